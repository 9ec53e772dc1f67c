using System.Text.Json;
using System.Text.RegularExpressions;
using System.Text.Json.Nodes;
using Simulator.Cli.Output;
using Simulator.Deploy.Export;
using Simulator.Tests;
using YamlDotNet.RepresentationModel;

namespace Simulator.Cli.Tests;

/// <summary>A temporary folder removed at the end of a test.</summary>
internal sealed class TempDir : IDisposable
{
    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "llmsim-" + Guid.NewGuid().ToString("N"));
    public TempDir() => Directory.CreateDirectory(Path);
    public string this[string name] => System.IO.Path.Combine(Path, name);
    public void Dispose() { try { Directory.Delete(Path, true); } catch (IOException) { } }
}

/// <summary>export and plan --export from the command line: files per engine, manifests that parse and read back as the plan.</summary>
public class ExportCliTests
{
    private static (int Code, string Out, string Err) Run(params string[] args) => CliRunner.Run(args);

    internal static string PlanFile(TempDir dir, params string[] extra)
    {
        var (code, stdout, err) = Run(["plan", "--model", "llama-3.1-70b", "--hardware", "h100-sxm,a100-80gb-sxm", "--rate", "5", "--check", "analytic", "--format", "json", .. extra]);
        Assert.True(code == 0, err);
        string path = dir["plan.json"];
        File.WriteAllText(path, stdout);
        return path;
    }

    [Fact]
    public void Export_writes_every_engine_and_manifests_that_read_back_as_the_plan()
    {
        using var dir = new TempDir();
        string plan = PlanFile(dir);
        var (code, stdout, err) = Run("export", plan, "-o", dir["out"], "--format", "json");
        Assert.True(code == 0, err);
        var summary = JsonNode.Parse(stdout)!;
        Assert.Empty(SchemaValidator.Validate(JsonNode.Parse(OutputSchemas.Text(OutputSchemas.All.Single(s => s.Name == "export")))!, summary));
        var files = summary["files"]!.AsArray().Select(f => Path.GetFileName(f!["path"]!.GetValue<string>())).ToList();
        Assert.Contains("vllm.sh", files);
        Assert.Contains("sglang.sh", files);
        Assert.Contains("trtllm.sh", files);
        Assert.Contains("kubernetes.yaml", files);
        Assert.Contains("wrote " + Path.Combine(dir["out"], "vllm.sh"), err);
        // The manifests request the plan's devices and describe its replica groups.
        var planJson = JsonNode.Parse(File.ReadAllText(plan))!["plans"]![0]!;
        var read = ManifestReader.Read(File.ReadAllText(dir["out"] + "/kubernetes.yaml"));
        Assert.Equal(planJson["devices"]!.GetValue<int>(), read.Sum(g => g.Group.Count * g.PodsPerReplica * g.DevicesPerPod));
        var want = planJson["replicas"]!.AsArray().Select(r => (r!["hardware"]!.GetValue<string>(), r["count"]!.GetValue<int>(), r["tp"]!.GetValue<int>(), r["quantization"]!.GetValue<string>(), r["maxBatch"]!.GetValue<int>(), r["role"]!.GetValue<string>()));
        Assert.Equal(want, read.Select(g => (g.Group.Hardware, g.Group.Count, g.Group.Tp, g.Group.Quantization, g.Group.MaxBatch, g.Group.Role.ToString().ToLowerInvariant())));
        // Every flag of the written scripts is in its engine version's list.
        var flags = EngineFlagLibrary.Load(Path.Combine(RepoPaths.Root, "engine-profiles", "flags"));
        foreach (var (file, engine) in new[] { ("vllm.sh", "vllm"), ("sglang.sh", "sglang"), ("trtllm.sh", "trtllm-serve") })
            foreach (Match m in Regex.Matches(File.ReadAllText(Path.Combine(dir["out"], file)), @"exec (.*?)\n\s*;;", RegexOptions.Singleline))
                foreach (var flag in ShellWords.Split(m.Groups[1].Value).Where(w => w.StartsWith("--")))
                    Assert.True(flags.Accepts(engine, flag), $"{file}: {flag}");
    }

    [Fact]
    public void Plan_export_writes_the_chosen_plans_files_after_the_table()
    {
        using var dir = new TempDir();
        var (code, stdout, err) = Run("plan", "--model", "llama-3.1-8b", "--hardware", "h100-sxm", "--rate", "2", "--check", "analytic", "--export", dir["out"], "--quant", "fp8kv8");
        Assert.True(code == 0, err);
        Assert.Contains("rank  plan", stdout);
        string vllm = File.ReadAllText(dir["out"] + "/vllm.sh");
        Assert.Contains("--kv-cache-dtype fp8", vllm);
        Assert.Contains("exported by llmsim from llmsim plan (plan #1)", vllm);
        Assert.False(File.Exists(dir["out"] + "/dynamo.sh"));   // an aggregated plan needs no Dynamo router
    }

    [Fact]
    public void Plan_export_of_an_attention_dp_plan_keeps_its_data_parallel_ranks()
    {
        // Mixtral-8x7B at 5 req/s on H100 plans DP8 EP8 (README, Parallelism). Before the fix plan --export dropped DP and
        // wrote a one-device TP1 replica.
        using var dir = new TempDir();
        var (code, stdout, err) = Run("plan", "--model", "mixtral-8x7b", "--hardware", "h100-sxm", "--rate", "5", "--check", "analytic", "--export", dir["out"]);
        Assert.True(code == 0, err);
        Assert.Contains("DP8", stdout);
        string vllm = File.ReadAllText(dir["out"] + "/vllm.sh");
        Assert.Contains("--data-parallel-size 8", vllm);
        Assert.Contains("8 devices", vllm.Split('\n')[1]);
    }

    [Fact]
    public void Export_of_a_plan_that_counts_on_speculative_decoding_says_the_launch_files_leave_it_out()
    {
        // The plan's capacity at a 12 ms TPOT exists only with speculation; an export that silently drops it would
        // deploy a cluster that misses the target.
        using var dir = new TempDir();
        var (pc, plan, perr) = Run("plan", "--model", "llama-3.1-70b", "--hardware", "h100-sxm", "--rate", "2", "--tpot-slo", "12 ms", "--whole-nodes", "off",
            "--speculative", "draft,k=4,acceptance=0.8,draft=llama-3.2-1b", "--check", "analytic", "--format", "json");
        Assert.True(pc == 0, perr);
        File.WriteAllText(dir["plan.json"], plan);
        var (code, json, err) = Run("export", dir["plan.json"], "-o", dir["out"], "--format", "json");
        Assert.True(code == 0, err);
        Assert.Contains("warning: serve-1 counts on speculative decoding (draft llama-3.2-1b, k=4", err);
        Assert.Contains("draft llama-3.2-1b", System.Text.Json.JsonDocument.Parse(json).RootElement.GetProperty("groups")[0].GetProperty("speculative").GetString());
        foreach (var f in new[] { "vllm.sh", "sglang.sh", "trtllm.sh", "kubernetes.yaml" })
            Assert.Contains("counts on speculative decoding", File.ReadAllText(dir["out"] + "/" + f));
    }

    [Fact]
    public void Export_of_a_file_that_is_not_a_plan_says_so_and_writes_nothing()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir["x.json"], "{\"model\": \"m\"}");
        var (code, _, err) = Run("export", dir["x.json"], "-o", dir["out"]);
        Assert.Equal(2, code);
        Assert.Contains("not a plan", err);
        Assert.False(Directory.Exists(dir["out"]));
        var (code2, _, err2) = Run("export", dir["missing.json"], "-o", dir["out"]);
        Assert.Equal(2, code2);
        Assert.Contains("not found", err2);
    }

    [Fact]
    public void A_device_kubernetes_cannot_request_is_refused_before_any_file_is_written()
    {
        using var dir = new TempDir();
        string plan = PlanFile(dir);
        File.WriteAllText(plan, File.ReadAllText(plan).Replace("\"a100-80gb-sxm\"", "\"alveo-u280\""));
        var (code, _, err) = Run("export", plan, "-o", dir["out"], "--to", "vllm,kubernetes");
        Assert.Equal(2, code);
        Assert.Contains("alveo-u280", err);
        Assert.False(File.Exists(dir["out"] + "/vllm.sh"));
    }
}

/// <summary>diff from the command line.</summary>
public class DiffCliTests
{
    private static (int Code, string Out, string Err) Run(params string[] args) => CliRunner.Run(args);

    [Fact]
    public void Two_plans_side_by_side_in_a_table_and_in_json_that_meets_its_schema()
    {
        using var dir = new TempDir();
        string a = ExportCliTests.PlanFile(dir);
        var (c1, other, e1) = Run("plan", "--model", "llama-3.1-70b", "--hardware", "h100-sxm", "--rate", "5", "--check", "analytic", "--format", "json");
        Assert.True(c1 == 0, e1);
        File.WriteAllText(dir["b.json"], other);
        var (code, stdout, err) = Run("diff", a, dir["b.json"]);
        Assert.True(code == 0, err);
        Assert.Contains("costPerHour", stdout);
        Assert.Contains("hardware: a100-80gb-sxm -> h100-sxm", stdout);
        Assert.Contains("B against A: costPerHour +43%", stdout);
        var (code2, json, _) = Run("diff", a, dir["b.json"], "--format", "json");
        Assert.Equal(0, code2);
        var schema = JsonNode.Parse(OutputSchemas.Text(OutputSchemas.All.Single(s => s.Name == "diff")))!;
        Assert.Empty(SchemaValidator.Validate(schema, JsonNode.Parse(json)));
    }

    [Fact]
    public void Two_simulations_name_every_setting_that_differs_including_the_serving_features()
    {
        // The same traffic with and without prefix caching on a shared 500-token prompt: the diff must not say "same
        // setup" (it did before the serving features were part of the compared setup).
        using var dir = new TempDir();
        string[] common = ["simulate", "--model", "llama-3.1-8b", "--hardware", "h100-sxm", "--rate", "4", "--requests", "200", "--format", "json"];
        var (c1, a, e1) = Run(common);
        var (c2, b, e2) = Run([.. common, "--prefix-caching", "on", "--shared-prefix-tokens", "500", "--engine", "vllm@0.11"]);
        Assert.True(c1 == 0 && c2 == 0, e1 + e2);
        File.WriteAllText(dir["a.json"], a);
        File.WriteAllText(dir["b.json"], b);
        var (code, stdout, err) = Run("diff", dir["a.json"], dir["b.json"]);
        Assert.True(code == 0, err);
        Assert.Contains("prefixCaching: off -> on", stdout);
        Assert.Contains("sharedPrefixTokens: 0 -> 500", stdout);
        Assert.Contains("engine: generic -> vllm@0.11", stdout);
        Assert.DoesNotContain("same setup", stdout);
        // Shared prompt tokens found in the cache: the p90 TTFT falls.
        Assert.Matches(@"ttftP90 -\d", stdout);
    }

    [Fact]
    public void Two_estimates_side_by_side_with_the_faster_device_better()
    {
        using var dir = new TempDir();
        var (c1, a, _) = Run("estimate", "--model", "llama-3.1-8b", "--hardware", "h100-sxm", "--batch", "8", "--format", "json");
        var (c2, b, _) = Run("estimate", "--model", "llama-3.1-8b", "--hardware", "a100-80gb-sxm", "--batch", "8", "--format", "json");
        Assert.Equal(0, c1 + c2);
        File.WriteAllText(dir["a.json"], a);
        File.WriteAllText(dir["b.json"], b);
        var (code, json, err) = Run("diff", dir["a.json"], dir["b.json"], "--format", "json");
        Assert.True(code == 0, err);
        var root = JsonNode.Parse(json)!;
        // H100 (3.35 TB/s) decodes faster than A100 (2.04 TB/s): A is better on TPOT and throughput.
        var tpot = root["metrics"]!.AsArray().First(m => m!["name"]!.GetValue<string>() == "tpot")!;
        Assert.Equal("a", tpot["better"]!.GetValue<string>());
        Assert.Contains(root["changed"]!.AsArray(), c => c!["field"]!.GetValue<string>() == "hardware");
        var schema = JsonNode.Parse(OutputSchemas.Text(OutputSchemas.All.Single(s => s.Name == "diff")))!;
        Assert.Empty(SchemaValidator.Validate(schema, root));
    }

    [Fact]
    public void Results_of_different_kinds_exit_2()
    {
        using var dir = new TempDir();
        string a = ExportCliTests.PlanFile(dir);
        var (_, sim, _) = Run("simulate", "--model", "llama-3.1-8b", "--hardware", "h100-sxm", "--requests", "50", "--format", "json");
        File.WriteAllText(dir["s.json"], sim);
        var (code, _, err) = Run("diff", a, dir["s.json"]);
        Assert.Equal(2, code);
        Assert.Contains("is a plan and", err);
    }
}

/// <summary>Sweeps: grid order, --jobs and shards give the same bytes, errors name the file and line, job definitions parse.</summary>
public class SweepCliTests
{
    private static (int Code, string Out, string Err) Run(params string[] args) => CliRunner.Run(args);

    private const string Estimate = """
        verb: estimate
        base: {model: llama-3.1-8b, hardware: h100-sxm, output: 64}
        grid:
          batch: [1, 8, 64, 512]
          input: [128, 2048, 8192]
          tp: [1, 2]
        """;

    [Fact]
    public void Jobs_and_shards_give_the_bytes_of_one_run_in_grid_order()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir["s.yaml"], Estimate);
        var (c1, _, e1) = Run("sweep", dir["s.yaml"], "-o", dir["one.jsonl"], "--jobs", "1");
        Assert.True(c1 == 0, e1);
        var (c2, _, e2) = Run("sweep", dir["s.yaml"], "-o", dir["two.jsonl"], "--jobs", "2");
        Assert.True(c2 == 0, e2);
        byte[] one = File.ReadAllBytes(dir["one.jsonl"]);
        Assert.Equal(one, File.ReadAllBytes(dir["two.jsonl"]));
        var shards = new List<string>();
        for (int i = 0; i < 5; i++)
        {
            var (c, _, e) = Run("sweep", dir["s.yaml"], "-o", dir[$"shard{i}.jsonl"], "--shard", $"{i}/5", "--jobs", "2");
            Assert.True(c == 0, e);
            shards.Add(dir[$"shard{i}.jsonl"]);
        }
        shards.Reverse();
        var (cm, _, em) = Run(["sweep", "merge", .. shards, "-o", dir["merged.jsonl"]]);
        Assert.True(cm == 0, em);
        Assert.Equal(one, File.ReadAllBytes(dir["merged.jsonl"]));
        // 4 x 3 x 2 = 24 points, tp fastest, then input, then batch; each line validates against the sweep-line schema.
        var lines = File.ReadAllLines(dir["one.jsonl"]).Select(l => JsonNode.Parse(l)!).ToList();
        Assert.Equal(24, lines.Count);
        Assert.Equal("{\"batch\":1,\"input\":2048,\"tp\":2}", lines[3]["point"]!.ToJsonString());
        Assert.Equal(2, lines[3]["result"]!["tp"]!.GetValue<int>());
        Assert.Equal(2048, lines[3]["result"]!["inputTokens"]!.GetValue<int>());
        var schema = JsonNode.Parse(OutputSchemas.Text(OutputSchemas.All.Single(s => s.Name == "sweep-line")))!;
        Assert.All(lines, l => Assert.Empty(SchemaValidator.Validate(schema, l)));
        // A point that does not fit is a result too: estimate's exit code 3 with its JSON.
        Assert.Contains(lines, l => l["exitCode"]!.GetValue<int>() == 3 && l["result"]!["fits"]!.GetValue<bool>() == false);
    }

    [Fact]
    public void A_merge_with_a_shard_missing_exits_2_and_writes_nothing()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir["s.yaml"], Estimate);
        Run("sweep", dir["s.yaml"], "-o", dir["a.jsonl"], "--shard", "0/2");
        var (code, _, err) = Run("sweep", "merge", dir["a.jsonl"], "-o", dir["m.jsonl"]);
        Assert.Equal(2, code);
        Assert.Contains("12 of 24 points are missing", err);
        Assert.False(File.Exists(dir["m.jsonl"]));
    }

    [Fact]
    public void Bad_keys_and_values_name_the_file_line_and_field()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir["s.yaml"], "verb: estimate\nbase: {model: llama-3.1-8b, hardware: h100-sxm, bach: 2}\ngrid:\n  input: [128, lots]\n  plot: [a.png]\n");
        var (code, _, err) = Run("sweep", dir["s.yaml"], "-o", dir["o.jsonl"]);
        Assert.Equal(2, code);
        Assert.Contains("s.yaml:2: base.bach: not an option of estimate", err);
        Assert.Contains("batch", err);
        Assert.Contains("s.yaml:5: grid.plot: a sweep sets --plot itself", err);
        Assert.False(File.Exists(dir["o.jsonl"]));
        File.WriteAllText(dir["s.yaml"], "verb: estimate\nbase: {model: llama-3.1-8b, hardware: h100-sxm}\ngrid:\n  input: [128, lots]\n");
        var (code2, _, err2) = Run("sweep", dir["s.yaml"], "-o", dir["o.jsonl"]);
        Assert.Equal(2, code2);
        Assert.Contains("s.yaml:4: grid.input:", err2);
        Assert.Contains("'lots'", err2);
        Assert.False(File.Exists(dir["o.jsonl"]));
    }

    [Fact]
    public void Job_definitions_parse_and_carry_the_shards()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir["s.yaml"], Estimate);
        var (code, stdout, err) = Run("sweep", "jobs", dir["s.yaml"], "--shards", "6", "--parallelism", "3", "-o", dir["jobs"], "--format", "json");
        Assert.True(code == 0, err);
        Assert.Empty(SchemaValidator.Validate(JsonNode.Parse(OutputSchemas.Text(OutputSchemas.All.Single(s => s.Name == "sweep-jobs")))!, JsonNode.Parse(stdout)));
        var stream = new YamlStream();
        stream.Load(new StringReader(File.ReadAllText(dir["jobs"] + "/sweep-k8s.yaml")));
        Assert.Equal(4, stream.Documents.Count);
        Assert.Contains("#SBATCH --array=0-5%3", File.ReadAllText(dir["jobs"] + "/sweep-array.sbatch"));
        Assert.Equal(Estimate, File.ReadAllText(dir["jobs"] + "/s.yaml"));
        var (bad, _, badErr) = Run("sweep", "jobs", dir["s.yaml"], "--shards", "100", "-o", dir["jobs2"]);
        Assert.Equal(2, bad);
        Assert.Contains("more than the sweep's 24 points", badErr);
    }
}

/// <summary>Scenario files from the command line: options from the file, the command line wins, the hash in the output, errors at the file's line.</summary>
public class ScenarioCliTests
{
    private static (int Code, string Out, string Err) Run(params string[] args) => CliRunner.Run(args);
    private static string Example => Path.Combine(RepoPaths.Root, "examples", "chat-70b.scenario.yaml");

    [Fact]
    public void Plan_reads_a_scenario_and_records_its_hash()
    {
        var (code, stdout, err) = Run("plan", Example, "--format", "json");
        Assert.True(code == 0, err);
        var o = JsonNode.Parse(stdout)!;
        Assert.Equal(5, o["rate"]!.GetValue<double>());
        Assert.Equal(Deploy.Options.OptionYaml.Hash(File.ReadAllText(Example)), o["scenario"]!["sha256"]!.GetValue<string>());
        Assert.Equal("chat-70b", o["scenario"]!["name"]!.GetValue<string>());
        Assert.Equal(3, o["plans"]!.AsArray().Count);   // plan: {top: 3}
        // The same run without the scenario, from the same options, gives the same plans.
        var (_, direct, _) = Run("plan", "--model", "llama-3.1-70b", "--hardware", "h100-sxm,a100-80gb-sxm", "--rate", "5", "--ttft-slo", "1 s", "--tpot-slo", "50 ms",
            "--price", "h100-sxm=3.99 USD/h", "--max-devices", "32", "--check", "analytic", "--top", "3", "--format", "json");
        var d = JsonNode.Parse(direct)!;
        Assert.Equal(d["plans"]!.ToJsonString(), o["plans"]!.ToJsonString());
    }

    [Fact]
    public void Command_line_options_override_the_scenario()
    {
        var (code, stdout, err) = Run("plan", Example, "--rate", "8", "--format", "json");
        Assert.True(code == 0, err);
        Assert.Equal(8, JsonNode.Parse(stdout)!["rate"]!.GetValue<double>());
    }

    [Fact]
    public void Simulate_reads_its_section_and_the_inline_workload()
    {
        var (code, stdout, err) = Run("simulate", Example, "--requests", "200", "--format", "json");
        Assert.True(code == 0, err);
        var o = JsonNode.Parse(stdout)!;
        Assert.Equal(("h100-sxm", 4, "fp8", "chat-and-summaries"), (o["hardware"]!.GetValue<string>(), o["tp"]!.GetValue<int>(), o["quantization"]!.GetValue<string>(), o["workload"]!.GetValue<string>()));
        Assert.Equal(["chat", "summarize"], o["classes"]!.AsArray().Select(c => c!["name"]!.GetValue<string>()));
        Assert.Equal(200, o["requests"]!.GetValue<int>());
        Assert.NotNull(o["scenario"]);
    }

    [Fact]
    public void A_bad_value_in_a_scenario_is_reported_at_its_line()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir["s.yaml"], "model: llama-3.1-8b\nhardware: h100-sxm\nrate: fast\nttft-slo: 200\n");
        var (code, _, err) = Run("plan", dir["s.yaml"]);
        Assert.Equal(2, code);
        Assert.Contains("s.yaml:3: rate: --rate: 'fast' is not a number", err);
        Assert.Contains("s.yaml:4: ttft-slo: --ttft-slo: '200' has no unit", err);
        File.WriteAllText(dir["s.yaml"], "model: llama-3.1-8b\nhardwre: h100-sxm\n");
        var (code2, _, err2) = Run("plan", dir["s.yaml"]);
        Assert.Equal(2, code2);
        Assert.Contains("s.yaml:2: hardwre: not an option of plan, simulate, report or day", err2);
        var (code3, _, err3) = Run("plan", dir["missing.yaml"]);
        Assert.Equal(2, code3);
        Assert.Contains("not found", err3);
    }

    [Fact]
    public void The_example_scenario_meets_the_scenario_schema()
    {
        var schema = JsonNode.Parse(File.ReadAllText(Path.Combine(RepoPaths.Root, "docs", "schemas", "scenario.schema.json")))!;
        var yaml = new YamlStream();
        yaml.Load(new StringReader(File.ReadAllText(Example)));
        Assert.Empty(SchemaValidator.Validate(schema, ToJson(yaml.Documents[0].RootNode)));
        // A misspelt key breaks it.
        var bad = (JsonObject)ToJson(yaml.Documents[0].RootNode)!;
        bad["rat"] = 5;
        Assert.NotEmpty(SchemaValidator.Validate(schema, bad));
    }

    /// <summary>YAML as JSON the way the scenario reader takes it: plain numbers as numbers, other scalars as strings.</summary>
    private static JsonNode? ToJson(YamlNode node) => node switch
    {
        YamlMappingNode m => new JsonObject(m.Children.Select(kv => KeyValuePair.Create(((YamlScalarNode)kv.Key).Value!, ToJson(kv.Value)))),
        YamlSequenceNode s => new JsonArray(s.Children.Select(ToJson).ToArray()),
        YamlScalarNode v when double.TryParse(v.Value, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out double d) => JsonValue.Create(d),
        YamlScalarNode v => JsonValue.Create(v.Value),
        _ => null,
    };
}

/// <summary>The day verb from the command line.</summary>
public class DayCliTests
{
    private static (int Code, string Out, string Err) Run(params string[] args) => CliRunner.Run(args);

    [Fact]
    public void A_day_with_autoscaling_costs_less_than_the_fixed_fleet_and_meets_its_schema()
    {
        using var dir = new TempDir();
        var (code, stdout, err) = Run("day", "--model", "llama-3.1-8b", "--hardware", "h100-sxm", "--rates", "2,2,2,4,8,16,30,30,30,16,8,4", "--check", "analytic",
            "--format", "json", "--plot", dir["day.png"]);
        Assert.True(code == 0, err);
        var o = JsonNode.Parse(stdout)!;
        Assert.Empty(SchemaValidator.Validate(JsonNode.Parse(OutputSchemas.Text(OutputSchemas.All.Single(s => s.Name == "day")))!, o));
        Assert.Equal(12, o["hours"]!.GetValue<int>());
        Assert.True(o["autoscaled"]!["costUsd"]!.GetValue<double>() < o["fixed"]!["costUsd"]!.GetValue<double>());
        Assert.Equal("analytic", o["latencyFrom"]!.GetValue<string>());
        Assert.True(new FileInfo(dir["day.png"]).Length > 10_000);
    }

    [Fact]
    public void Day_takes_rates_or_a_trace_not_a_rate()
    {
        var (code, _, err) = Run("day", "--model", "llama-3.1-8b", "--hardware", "h100-sxm", "--rate", "5");
        Assert.Equal(2, code);
        Assert.Contains("--rates", err);
        var (code2, _, err2) = Run("day", "--model", "llama-3.1-8b", "--hardware", "h100-sxm", "--rates", "1,x");
        Assert.Equal(2, code2);
        Assert.Contains("--rates: 'x'", err2);
    }

    [Fact]
    public void A_trace_is_counted_per_minute()
    {
        string trace = Path.Combine(RepoPaths.Root, "workloads", "traces", "burstgpt-sample.csv");
        var (code, stdout, err) = Run("day", "--model", "llama-3.1-8b", "--hardware", "h100-sxm", "--trace", trace, "--time-scale", "0.05", "--check", "analytic", "--format", "json");
        Assert.True(code == 0, err);
        var o = JsonNode.Parse(stdout)!;
        Assert.StartsWith("trace burstgpt-sample.csv (200 requests)", o["traffic"]!.GetValue<string>());
        Assert.Equal(200, o["autoscaled"]!["requests"]!.GetValue<double>(), 6);
    }
}

/// <summary>The shipped schemas are the ones the output types give today, and the verbs' real outputs meet them.</summary>
public class SchemaFileTests
{
    public static IEnumerable<object[]> Outputs() =>
    [
        ["estimate", "estimate --model llama-3.1-8b --hardware h100-sxm"],
        ["estimate", "estimate --model mixtral-8x7b --hardware a100-80gb-sxm --tp 2 --ep 2 --quant fp8kv8"],
        ["estimate-sweep", "estimate --model llama-3.1-8b --hardware h100-sxm --sweep batch=1,512 --input 8192"],
        ["roofline", "roofline --model deepseek-v3 --hardware h200-sxm --tp 8 --ep 8 --quant fp8 --phase decode --batch 64 --seq 4096"],
        ["simulate", "simulate --model llama-3.1-8b --hardware h100-sxm --rate 8 --requests 100"],
        ["simulate", "simulate --model llama-3.1-70b --hardware h100-sxm --tp 4 --quant fp8 --disaggregate --prefill-replicas 2 --decode-tp 8 --rate 3 --requests 100"],
        ["simulate", "simulate --model llama-3.1-8b --hardware h100-sxm --trace " + Path.Combine(RepoPaths.Root, "workloads", "traces", "burstgpt-sample.csv")],
        ["simulate", "simulate --model llama-3.1-8b --hardware gaudi2 --rate 2 --requests 50"],
        ["simulate-rate-sweep", "simulate --model llama-3.1-8b --hardware h100-sxm --rate-sweep 2,8 --requests 100"],
        ["plan", "plan --model llama-3.1-70b --hardware h100-sxm,a100-80gb-sxm,gaudi2 --rate 5 --check analytic"],
        ["plan", "plan --model mixtral-8x7b --hardware h100-sxm --rate 5 --check analytic"],
        ["plan", "plan --model llama-3.1-8b --hardware h100-sxm --rate 2 --objective tco --check analytic --timings"],
        ["plan", "plan " + Path.Combine(RepoPaths.Root, "examples", "chat-70b.scenario.yaml")],
        ["hardware-list", "hardware list"],
        ["hardware-show", "hardware show h100-sxm"],
        ["hardware-show", "hardware show alveo-u280"],
        ["interconnect-show", "hardware show nvlink4"],
        ["cluster-show", "hardware show hgx-h100"],
        ["models-list", "models list"],
        ["models-show", "models show gemma-2-9b"],
        ["models-show", "models show deepseek-v3"],
        // Attention DP, expert imbalance and the frontier models' optional fields.
        ["estimate", "estimate --model deepseek-r1 --hardware h200-sxm --dp 8 --ep 8 --quant fp8 --expert-imbalance 1.3 --redundant-experts 32"],
        ["roofline", "roofline --model deepseek-r1 --hardware h200-sxm --dp 8 --ep 8 --quant fp8 --phase decode --batch 64 --seq 2048"],
        ["simulate", "simulate --model deepseek-r1 --hardware h200-sxm --dp 8 --ep 8 --quant fp8 --rate 2 --requests 50"],
        ["models-show", "models show qwen3-next-80b-a3b"],
        ["models-show", "models show llama-4-scout"],
        ["models-show", "models show gpt-oss-120b"],
        ["models-show", "models show " + Path.Combine(RepoPaths.Root, "tests", "fixtures", "hf-configs", "mystery-7b", "config.json")],
        ["validate", "validate --measured " + Path.Combine(RepoPaths.Root, "validation", "measured", "h100-sxm-2026-11-22.csv")],
        // Serving features: prefix caching, offload and speculative decoding in simulate; feature choice and classes in plan.
        ["simulate", "simulate --model llama-3.1-8b --hardware l4 --prefix-caching on --shared-prefix-tokens 1000 --kv-offload 64GiB --rate 2 --requests 60"],
        ["simulate", "simulate --model llama-3.1-70b --hardware h100-sxm --tp 4 --speculative draft,k=4,acceptance=0.7,draft=llama-3.2-1b --rate 2 --requests 60"],
        ["plan", "plan --model llama-3.1-8b --hardware h100-sxm --workload " + Path.Combine(RepoPaths.Root, "workloads", "assistant.yaml") + " --prefix-caching on --check analytic"],
        // Engine profiles: the engine's fields in estimate, simulate and plan, and serving results in validate.
        ["estimate", "estimate --model llama-3.1-8b --hardware h100-sxm --engine vllm@0.11"],
        ["simulate", "simulate --model llama-3.1-8b --hardware h100-sxm --engine sglang@0.5.4 --rate 4 --requests 50"],
        ["plan", "plan --model llama-3.1-8b --hardware h100-sxm --rate 2 --engine trtllm@1.0 --check analytic"],
        ["validate-serving", "validate --measured " + Path.Combine(RepoPaths.Root, "tests", "fixtures", "serving", "vllm-0.11-random-detailed.json") + " --max-requests 200"],
    ];

    [Theory]
    [MemberData(nameof(Outputs))]
    public void A_real_output_meets_its_schema(string schema, string command)
    {
        var (code, stdout, err) = CliRunner.Run([.. command.Split(' '), "--format", "json"]);
        Assert.True(code is 0 or 3, err);
        var errors = SchemaValidator.Validate(JsonNode.Parse(OutputSchemas.Text(OutputSchemas.All.Single(s => s.Name == schema)))!, JsonNode.Parse(stdout));
        Assert.True(errors.Count == 0, string.Join("\n", errors.Take(10)));
    }

    [Fact]
    public void Shipped_schemas_match_the_output_types()
    {
        using var dir = new TempDir();
        var (code, _, err) = CliRunner.Run("schema", "-o", dir.Path);
        Assert.True(code == 0, err);
        foreach (var file in Directory.GetFiles(dir.Path))
        {
            string shipped = Path.Combine(RepoPaths.Root, "docs", "schemas", Path.GetFileName(file));
            Assert.True(File.Exists(shipped), $"{Path.GetFileName(file)} is not shipped in docs/schemas (run llmsim schema -o docs/schemas)");
            Assert.True(File.ReadAllText(shipped) == File.ReadAllText(file), $"{shipped} differs from what the output types give; run llmsim schema -o docs/schemas");
        }
        Assert.Equal(Directory.GetFiles(Path.Combine(RepoPaths.Root, "docs", "schemas")).Select(Path.GetFileName).Order(), Directory.GetFiles(dir.Path).Select(Path.GetFileName).Order());
    }
}
