using Simulator.Core.Loading;
using Simulator.Deploy.Options;
using Simulator.Deploy.Sweep;
using YamlDotNet.RepresentationModel;

namespace Simulator.Deploy.Tests;

/// <summary>Sweep files: the grid's order, shards that partition it, merges that rebuild one run's file, and batch-job definitions that parse.</summary>
public class SweepTests
{
    private const string Text = """
        verb: simulate
        base: {model: llama-3.1-8b, hardware: h100-sxm, requests: 300, price: {h100-sxm: 3 USD/h}, quant: [bf16, fp8]}
        grid:
          rate: [2, 4, 8]
          scheduler: [continuous, chunked]
        """;

    [Fact]
    public void Points_run_in_grid_order_with_the_last_axis_fastest()
    {
        var s = SweepFile.Parse("s.yaml", Text);
        Assert.Equal(6, s.Points);
        var points = Enumerable.Range(0, 6).Select(i => string.Join(" ", s.Point(i).Select(p => p.Value.Text))).ToList();
        Assert.Equal(["2 continuous", "2 chunked", "4 continuous", "4 chunked", "8 continuous", "8 chunked"], points);
        Assert.Equal(["llama-3.1-8b", "h100-sxm", "300", "h100-sxm=3 USD/h", "bf16,fp8"], s.Base.Select(b => b.Value.Text));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    [InlineData(7)]
    public void Shards_partition_the_points(int shards)
    {
        var s = SweepFile.Parse("s.yaml", Text);
        var all = Enumerable.Range(0, shards).SelectMany(i => s.ShardPoints(i, shards)).OrderBy(i => i).ToList();
        Assert.Equal(Enumerable.Range(0, 6).Select(i => (long)i), all);
    }

    private static string Line(long i, string sweep = "abc", long of = 3) => $"{{\"sweep\":\"{sweep}\",\"index\":{i},\"of\":{of},\"result\":{{\"x\":{i}}}}}";

    [Fact]
    public void Merging_shards_in_any_order_gives_the_lines_in_point_order()
    {
        var merged = SweepMerge.Merge([("b.jsonl", Line(1) + "\n"), ("a.jsonl", Line(2) + "\n" + Line(0) + "\n")]);
        Assert.Equal([Line(0), Line(1), Line(2)], merged);
    }

    [Fact]
    public void Merge_refuses_missing_repeated_or_foreign_points()
    {
        var missing = Assert.Throws<SpecException>(() => SweepMerge.Merge([("a.jsonl", Line(0) + "\n" + Line(2) + "\n")]));
        Assert.Contains("1 of 3 points are missing (first: 1)", missing.Message);
        var twice = Assert.Throws<SpecException>(() => SweepMerge.Merge([("a.jsonl", Line(0) + "\n" + Line(1) + "\n" + Line(2) + "\n"), ("b.jsonl", Line(1) + "\n")]));
        Assert.Contains("b.jsonl:1: index: point 1 also appears at a.jsonl:2", twice.Message);
        var foreign = Assert.Throws<SpecException>(() => SweepMerge.Merge([("a.jsonl", Line(0) + "\n"), ("b.jsonl", Line(1, "xyz") + "\n")]));
        Assert.Contains("b.jsonl:1: sweep: from another sweep", foreign.Message);
        var junk = Assert.Throws<SpecException>(() => SweepMerge.Merge([("a.jsonl", "not json\n")]));
        Assert.Contains("a.jsonl:1: not a JSON line", junk.Message);
    }

    [Fact]
    public void Sweep_file_errors_name_the_line_and_field()
    {
        var e = Assert.Throws<SpecException>(() => SweepFile.Parse("s.yaml", "verb: simulate\nbase: {rate: 2}\ngrid:\n  rate: [1, 1]\nextra: 3\n"));
        var text = e.Message;
        Assert.Contains("s.yaml:4: grid.rate: lists '1' twice", text);
        Assert.Contains("s.yaml:4: grid.rate: is also in base (s.yaml:2: base.rate)", text);
        Assert.Contains("s.yaml:5: extra: unknown field", text);
        var noVerb = Assert.Throws<SpecException>(() => SweepFile.Parse("s.yaml", "grid: {rate: [1]}\n"));
        Assert.Contains("verb", noVerb.Message);
    }

    [Fact]
    public void The_hash_ignores_line_ends_and_a_byte_order_mark()
    {
        Assert.Equal(OptionYaml.Hash("a: 1\nb: 2\n"), OptionYaml.Hash("\uFEFFa: 1\r\nb: 2\r\n"));
        Assert.NotEqual(OptionYaml.Hash("a: 1\n"), OptionYaml.Hash("a: 2\n"));
    }

    private static readonly BatchJobSpec Jobs = new("llama-sweep", "sweep.yaml", Text, Shards: 8, Parallelism: 4, CpusPerShard: 2, MemoryMiB: 1024, Image: "llmsim:0.1.0");

    [Fact]
    public void Kubernetes_jobs_parse_as_an_indexed_job_and_a_merge_job_that_waits_for_every_shard()
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(BatchJobs.Kubernetes(Jobs)));
        var docs = stream.Documents.Select(d => (YamlMappingNode)d.RootNode).ToList();
        string Kind(YamlMappingNode d) => ((YamlScalarNode)d.Children[new YamlScalarNode("kind")]).Value!;
        Assert.Equal(["ConfigMap", "PersistentVolumeClaim", "Job", "Job"], docs.Select(Kind));
        // The sweep file travels whole in the ConfigMap.
        var data = (YamlMappingNode)docs[0].Children[new YamlScalarNode("data")];
        Assert.Equal(Text + "\n", ((YamlScalarNode)data.Children[new YamlScalarNode("sweep.yaml")]).Value);
        var spec = (YamlMappingNode)docs[2].Children[new YamlScalarNode("spec")];
        string S(YamlMappingNode m, string k) => ((YamlScalarNode)m.Children[new YamlScalarNode(k)]).Value!;
        Assert.Equal(("Indexed", "8", "4"), (S(spec, "completionMode"), S(spec, "completions"), S(spec, "parallelism")));
        string yaml = BatchJobs.Kubernetes(Jobs);
        Assert.Contains("--shard ${JOB_COMPLETION_INDEX}/8", yaml);
        Assert.Contains("-ge 8 ]", yaml);
        Assert.Contains("llmsim sweep merge", yaml);
    }

    [Fact]
    public void Slurm_array_runs_one_shard_per_task_and_the_merge_after_all_succeed()
    {
        var (array, merge, submit) = BatchJobs.Slurm(Jobs);
        var directives = array.Split('\n').Where(l => l.StartsWith("#SBATCH ")).Select(l => l[8..]).ToList();
        Assert.Contains("--array=0-7%4", directives);
        Assert.Contains("--cpus-per-task=2", directives);
        Assert.Contains("--mem=1024M", directives);
        Assert.Contains("--shard \"${SLURM_ARRAY_TASK_ID}/8\"", array);
        Assert.Contains("llmsim sweep merge", merge);
        Assert.Contains("--dependency=afterok:", submit);
    }
}
