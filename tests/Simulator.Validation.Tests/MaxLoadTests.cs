using Simulator.Core.Loading;
using Simulator.Core.Specs;
using Simulator.Roofline;
using Simulator.Tests;

namespace Simulator.Validation.Tests;

/// <summary>
/// The serving-maxload family: max-load output throughput of MoE models as TensorRT-LLM publishes it
/// (validation/measured/published/moe-serving-published.csv), predicted by the static-batch estimate at the engine's batch.
/// </summary>
public class MaxLoadTests
{
    private static readonly SpecLibrary Lib = new(RepoPaths.HardwareDir, RepoPaths.ModelsDir);
    private static string File => Path.Combine(RepoPaths.Root, "validation", "measured", "published", "moe-serving-published.csv");

    private static Deployment Deploy(string model, string hw, string quant, Parallelism par) =>
        Deployment.Create(Lib.Model(model), Lib.Hardware(hw), QuantizationScheme.Parse(quant), par, Lib.DefaultCluster(Lib.Hardware(hw)));

    [Fact]
    public void The_published_moe_file_reads_with_its_layout_and_split_columns()
    {
        var r = MeasuredCsv.Read(File);
        Assert.Empty(r.Problems);
        Assert.Equal(598, r.Rows.Count);
        Assert.All(r.Rows, x => Assert.Equal("serving-maxload", x.Benchmark));
        Assert.All(r.Rows, x => Assert.Contains(x.Split, new[] { "dev", "held-out" }));
        // DEP8 rows: tp 1, dp 8, ep 8 (TensorRT-LLM's DEPn; the DeepSeek blog's "TP8 attention-DP" written the same way).
        Assert.Contains(r.Rows, x => x.Model == "deepseek-r1" && x.Tp == 1 && x.Dp == 8 && x.Ep == 8);
        Assert.Equal(208, r.Rows.Count(x => x.Split == "held-out"));
    }

    [Fact]
    public void Trtllm_bench_max_batch_follows_its_heuristic_by_hand()
    {
        // Mixtral-8x7B, 1 x H100 (80 GB = 74.506 GiB), FP8 weights and KV (1 byte each), ISL/OSL 128/128:
        // engine = parameters x 1 B; KV per token = 2 x 32 layers x max(1, 8) KV heads x 128 x 1 B;
        // requests = 0.95 x (74.506 GiB - engine) / (KV per token x 256); >= 1024 → rounded up to a multiple of 256.
        var d = Deploy("mixtral-8x7b", "h100-sxm", "fp8kv8", new Parallelism(1));
        const double GiB = 1024.0 * 1024 * 1024;
        double engine = ModelMath.Parameters(d.Model).Total / GiB;
        double perToken = 2.0 * 32 * 8 * 128 / GiB;
        double requests = 0.95 * (80e9 / GiB - engine) / (perToken * 256);
        Assert.InRange(requests, 1024, 4096);
        Assert.Equal(256 * (int)Math.Ceiling(requests / 256), Predictor.TrtllmBenchMaxBatch(d, 128, 128));
        // Capped at 4096 requests (here a tiny model with little KV per request).
        Assert.Equal(4096, Predictor.TrtllmBenchMaxBatch(Deploy("qwen3-30b-a3b", "h200-sxm", "fp8kv8", new Parallelism(8)), 128, 128));
    }

    [Fact]
    public void Max_load_throughput_is_the_estimate_at_the_smaller_of_the_engine_batch_and_the_kv_fit()
    {
        var d = Deploy("qwen3-235b-a22b", "h200-sxm", "fp8", new Parallelism(1, 1, 4, 4));
        int fit = Estimator.Run(d, new Workload(1, 1024, 1024)).MaxBatchAtThisContext;
        int engine = Predictor.TrtllmBenchMaxBatch(d, 1024, 1024) * 4; // per attention-DP rank
        double expected = Estimator.Run(d, new Workload(Math.Min(fit, engine), 1024, 1024)).TokensPerSecond;
        Assert.Equal(expected, Predictor.MaxLoadTokensPerSecond(d, 1024, 1024, null), 9);
        // A stated max batch is used as it is.
        Assert.Equal(Estimator.Run(d, new Workload(64, 1024, 1024)).TokensPerSecond, Predictor.MaxLoadTokensPerSecond(d, 1024, 1024, 64), 9);
    }

    [Fact]
    public void Every_row_is_predicted_or_skipped_for_a_stated_reason()
    {
        var predictor = new Predictor(Lib, d => (d, ConstantEfficiency.For(d)));
        var rows = MeasuredCsv.Read(File).Rows.Select(predictor.Compare).ToList();
        // Only GH200 (9 rows) has no profile; FP4 rows and the Blackwell systems are predicted. The count is
        // independent of the code: 598 rows in the file, 9 of them on gh200 (grep -c gh200).
        foreach (var c in rows.Where(c => c.Predicted is null))
            Assert.Contains("no hardware profile", c.Skipped!);
        Assert.Equal(598 - 9, rows.Count(c => c.Predicted is not null));
        Assert.All(rows.Where(c => c.Predicted is not null), c => Assert.True(c.Predicted > 0));
    }
}
