using System.Text.Json;

namespace Simulator.Cli.Tests;

/// <summary>
/// Issue 13's "every quantization and layout runs through estimate, simulate and plan": each 2026 format on a B200
/// (which has FP4 tensor cores), and an attention-DP layout of an FP4 DeepSeek-R1, through all three verbs.
/// </summary>
public class QuantThroughVerbsTests
{
    [Theory]
    [InlineData("nvfp4", "bf16")]
    [InlineData("mxfp4", "bf16")]
    [InlineData("w4a8", "bf16")]
    [InlineData("fp8block", "bf16")]
    [InlineData("nvfp4kv8", "fp8")]
    public void A_format_runs_through_estimate_simulate_and_plan_and_keeps_its_name_and_kv_type(string quant, string kv)
    {
        string[] model = ["--model", "llama-3.1-70b", "--hardware", "b200-sxm"];
        var (ec, ej, ee) = CliRunner.Run(["estimate", .. model, "--tp", "2", "--quant", quant, "--batch", "8", "--format", "json"]);
        Assert.True(ec == 0, ee);
        var est = JsonDocument.Parse(ej).RootElement;
        Assert.Equal(quant, est.GetProperty("quantization").GetString());
        Assert.Equal(kv, est.GetProperty("kvCacheDtype").GetString());
        // 4- to 8-bit weights with their scales: between 0.5 and 1.1 bytes per parameter of the 70.6B, split over TP 2.
        double perDevice = est.GetProperty("weightBytesPerDevice").GetDouble();
        Assert.InRange(perDevice * 2 / 70.6e9, 0.5, 1.1);

        var (sc, sj, se) = CliRunner.Run(["simulate", .. model, "--tp", "2", "--quant", quant, "--rate", "2", "--requests", "40", "--format", "json"]);
        Assert.True(sc == 0, se);
        var sim = JsonDocument.Parse(sj).RootElement;
        Assert.Equal(quant, sim.GetProperty("quantization").GetString());
        Assert.Equal(40, sim.GetProperty("completed").GetInt64());

        var (pc, pj, pe) = CliRunner.Run(["plan", .. model, "--quant", quant, "--rate", "2", "--check", "analytic", "--format", "json"]);
        Assert.True(pc == 0, pe);
        var replica = JsonDocument.Parse(pj).RootElement.GetProperty("plans")[0].GetProperty("replicas")[0];
        Assert.Equal(quant, replica.GetProperty("quantization").GetString());
        Assert.Equal(kv, replica.GetProperty("kvCacheDtype").GetString());
    }

    [Fact]
    public void An_fp4_deepseek_r1_in_dep8_runs_through_estimate_and_simulate()
    {
        string[] layout = ["--model", "deepseek-r1", "--hardware", "b200-sxm", "--dp", "8", "--ep", "8", "--quant", "nvfp4"];
        var (ec, ej, ee) = CliRunner.Run(["estimate", .. layout, "--batch", "64", "--format", "json"]);
        Assert.True(ec == 0, ee);
        var est = JsonDocument.Parse(ej).RootElement;
        Assert.Equal(8, est.GetProperty("dp").GetInt32());
        Assert.Equal(8, est.GetProperty("devices").GetInt32());
        Assert.True(est.GetProperty("fits").GetBoolean());
        var (sc, sj, se) = CliRunner.Run(["simulate", .. layout, "--rate", "4", "--requests", "40", "--format", "json"]);
        Assert.True(sc == 0, se);
        var sim = JsonDocument.Parse(sj).RootElement;
        Assert.Equal(8, sim.GetProperty("dp").GetInt32());
        Assert.Equal(40, sim.GetProperty("completed").GetInt64());
    }

    [Fact]
    public void Gemma_3_estimates_its_kv_cache_with_only_one_layer_in_six_keeping_the_whole_context()
    {
        // Gemma 3 27B: 62 layers, 10 global and 52 sliding with a 1,024-token window; 16 KV heads x 128 x 2 (K, V) x 2 bytes
        // = 8,192 B per token per layer. A 32,768-token prompt plus its first output token (32,769 tokens) on one request:
        // 10 x 8,192 x 32,769 + 52 x 8,192 x 1,024 = 2,684,436,480 + 436,207,616 = 3,120,644,096 B (all 62 global: 16.6 GB).
        var (code, json, err) = CliRunner.Run("estimate", "--model", "gemma-3-27b", "--hardware", "h100-sxm", "--batch", "1", "--input", "32768", "--output", "1", "--format", "json");
        Assert.True(code == 0, err);
        var root = JsonDocument.Parse(json).RootElement;
        Assert.Equal(3_120_644_096.0, root.GetProperty("kvCacheBytes").GetDouble(), 0);
        Assert.True(root.GetProperty("fits").GetBoolean());
    }
}
