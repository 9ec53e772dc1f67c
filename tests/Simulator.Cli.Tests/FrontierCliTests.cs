using System.Text.Json;
using Simulator.Tests;

namespace Simulator.Cli.Tests;

/// <summary>
/// Issue 13 from the command line: every new model imports and estimates; every layout (TP, TP+EP, DEP, attention DP with
/// a tensor-parallel MoE, wide EP across nodes, an NVL72 rack, expert imbalance, measured expert loads with redundant
/// experts) runs through estimate, simulate and plan; dp appears in the outputs.
/// </summary>
public class FrontierCliTests
{
    private static (int Code, string Out, string Err) Run(params string[] args) => CliRunner.Run(args);

    private static string Nvl72 => Path.Combine(RepoPaths.Fixtures, "clusters", "nvl72-b200.yaml");

    public static TheoryData<string, string, string, string> Models() => new()
    {
        // model, hardware, tp, quant: the smallest shipped layout each fits at 16 bit or fp8 on H200 (141 GB)
        { "deepseek-r1", "h200-sxm", "8", "fp8" },
        { "kimi-k2", Nvl72, "16", "fp8" },
        { "qwen3-235b-a22b", "h200-sxm", "4", "fp8" },
        { "qwen3-coder-480b-a35b", "h200-sxm", "8", "fp8" },
        { "gpt-oss-20b", "h100-sxm", "1", "bf16" },
        { "gpt-oss-120b", "h200-sxm", "1", "fp8" },
        { "llama-4-scout", "h200-sxm", "2", "bf16" },
        { "llama-4-maverick", "h200-sxm", "8", "fp8" },
        { "glm-4.5", "h200-sxm", "4", "fp8" },
        { "glm-4.5-air", "h200-sxm", "2", "bf16" },
        { "qwen3-next-80b-a3b", "h200-sxm", "2", "bf16" },
    };

    [Theory]
    [MemberData(nameof(Models))]
    public void Every_new_model_imports_from_its_config_and_estimates(string model, string hardware, string tp, string quant)
    {
        string dir = Path.Combine(Path.GetTempPath(), "llmsim-frontier-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            string spec = Path.Combine(dir, model + ".yaml");
            var (ic, _, ie) = Run("models", "import", Path.Combine(RepoPaths.Fixtures, "hf-configs", model, "config.json"), "-o", spec);
            Assert.True(ic == 0, ie);
            Assert.DoesNotContain("warning", ie);
            foreach (var m in new[] { spec, model })
            {
                var (code, stdout, err) = Run("estimate", "--model", m, "--hardware", hardware, "--tp", tp, "--quant", quant, "--batch", "8", "--input", "2000", "--output", "200", "--format", "json");
                Assert.True(code == 0, err + stdout);
                var root = JsonDocument.Parse(stdout).RootElement;
                Assert.True(root.GetProperty("fits").GetBoolean());
                Assert.True(root.GetProperty("tpotSeconds").GetDouble() > 0);
            }
        }
        finally { Directory.Delete(dir, true); }
    }

    public static TheoryData<string, string, string[]> Layouts() => new()
    {
        { "deepseek-r1", "h200-sxm", ["--tp", "8", "--ep", "8"] },
        { "deepseek-r1", "h200-sxm", ["--dp", "8", "--ep", "8"] },
        { "deepseek-r1", "h200-sxm", ["--dp", "32", "--ep", "32"] },                                   // wide EP over 4 nodes
        { "deepseek-r1", "h200-sxm", ["--dp", "32", "--ep", "32", "--redundant-experts", "32"] },      // EPLB slots
        { "deepseek-r1", Nvl72, ["--dp", "64", "--ep", "64"] },                                         // one NVLink rack
        { "deepseek-r1", Nvl72, ["--tp", "32", "--ep", "32"] },
        { "qwen3-235b-a22b", "h200-sxm", ["--dp", "4"] },                                              // DP attention, TP MoE
        { "qwen3-235b-a22b", "h200-sxm", ["--dp", "4", "--ep", "4", "--expert-imbalance", "1.3"] },
        { "llama-4-maverick", "h200-sxm", ["--dp", "8", "--ep", "8"] },
        { "gpt-oss-120b", "h200-sxm", ["--dp", "2", "--ep", "2"] },
    };

    [Theory]
    [MemberData(nameof(Layouts))]
    public void Every_layout_runs_through_estimate_roofline_and_simulate(string model, string hardware, string[] layout)
    {
        string[] common = ["--model", model, "--hardware", hardware, "--quant", "fp8"];
        var (code, stdout, err) = Run(["estimate", .. common, .. layout, "--batch", "64", "--input", "1000", "--output", "200", "--format", "json"]);
        Assert.True(code == 0, err + stdout);
        var est = JsonDocument.Parse(stdout).RootElement;
        int dp = layout.Contains("--dp") ? int.Parse(layout[Array.IndexOf(layout, "--dp") + 1]) : 1;
        if (dp > 1) Assert.Equal(dp, est.GetProperty("dp").GetInt32());
        else Assert.False(est.TryGetProperty("dp", out _));
        Assert.True(est.GetProperty("fits").GetBoolean());

        (code, stdout, err) = Run(["roofline", .. common, .. layout, "--phase", "decode", "--batch", "64", "--seq", "1000", "--format", "json"]);
        Assert.True(code == 0, err);

        (code, stdout, err) = Run(["simulate", .. common, .. layout, "--rate", "4", "--requests", "60", "--format", "json"]);
        Assert.True(code == 0, err + stdout);
        var sim = JsonDocument.Parse(stdout).RootElement;
        Assert.Contains("\"completed\": 60", stdout);
        if (dp > 1) Assert.Contains($"\"dp\": {dp}", stdout);
        Assert.Equal(JsonValueKind.Object, sim.ValueKind);
    }

    [Fact]
    public void Measured_expert_loads_and_redundant_experts_change_the_busiest_rank()
    {
        string file = Path.Combine(Path.GetTempPath(), $"llmsim-loads-{Guid.NewGuid():N}.txt");
        try
        {
            // DeepSeek-R1: 256 experts; the first 8 get 8x the traffic of the others.
            File.WriteAllLines(file, Enumerable.Range(0, 256).Select(i => i < 8 ? "8" : "1"));
            string[] common = ["estimate", "--model", "deepseek-r1", "--hardware", "h200-sxm", "--quant", "fp8", "--dp", "32", "--ep", "32", "--batch", "1024", "--input", "1000", "--output", "200", "--format", "json"];
            double Imbalance(params string[] extra)
            {
                var (code, stdout, err) = Run([.. common, .. extra]);
                Assert.True(code == 0, err);
                var root = JsonDocument.Parse(stdout).RootElement;
                return root.TryGetProperty("expertImbalance", out var e) ? e.GetDouble() : 1;
            }
            // Contiguous placement: experts 0-7 sit on rank 0: 64 of 312 token shares against a mean of 312 / 32 = 9.75.
            Assert.Equal(64 / 9.75, Imbalance("--expert-loads", file), 9);
            // With 32 redundant slots EPLB spreads the hot experts: much closer to even.
            Assert.True(Imbalance("--expert-loads", file, "--redundant-experts", "32") < 1.5);
            Assert.Equal(1.0, Imbalance());
        }
        finally { File.Delete(file); }
    }

    [Theory]
    [InlineData("needs a mixture-of-experts model", "--model", "llama-3.1-70b", "--dp", "4")]
    [InlineData("EP must span every device", "--model", "deepseek-r1", "--dp", "8", "--ep", "4")]
    [InlineData("per-expert loads given", "--model", "deepseek-r1", "--dp", "8", "--ep", "8", "--expert-loads", "LOADS")]
    public void Impossible_layouts_exit_2_with_a_reason(string words, params string[] args)
    {
        string file = Path.Combine(Path.GetTempPath(), $"llmsim-loads-{Guid.NewGuid():N}.txt");
        File.WriteAllText(file, "1,2,3\n");
        try
        {
            var a = args.Select(x => x == "LOADS" ? file : x).ToArray();
            var (code, _, err) = Run(["estimate", "--hardware", "h200-sxm", "--quant", "fp8", .. a]);
            Assert.Equal(2, code);
            Assert.Contains(words, err);
            Assert.DoesNotContain("   at ", err);
        }
        finally { File.Delete(file); }
    }

    [Fact]
    public void Plan_for_an_moe_model_considers_dep_layouts_and_reports_dp()
    {
        var (code, stdout, err) = Run("plan", "--model", "mixtral-8x7b", "--hardware", "h100-sxm", "--rate", "5", "--check", "analytic", "--format", "json");
        Assert.True(code == 0, err);
        Assert.Contains("\"dp\": ", stdout);
        var (c2, table, e2) = Run("plan", "--model", "qwen3-235b-a22b", "--hardware", "h200-sxm," + Nvl72, "--rate", "2", "--quant", "fp8", "--top", "10");
        Assert.True(c2 == 0, e2);
        Assert.Contains("DP", table);
    }

    [Fact]
    public void Models_list_and_show_describe_the_new_architectures()
    {
        var (code, stdout, err) = Run("models", "show", "qwen3-next-80b-a3b", "--format", "json");
        Assert.True(code == 0, err);
        var root = JsonDocument.Parse(stdout).RootElement;
        Assert.Equal(36, root.GetProperty("linearAttentionLayers").GetInt32());
        Assert.Equal(77_266_944.0, root.GetProperty("linearStateBytesPerSequence").GetDouble());
        (code, stdout, err) = Run("models", "show", "deepseek-r1", "--format", "json");
        Assert.True(code == 0, err);
        Assert.Equal(11_610_067_968.0, JsonDocument.Parse(stdout).RootElement.GetProperty("mtpParameters").GetDouble());
        (code, stdout, err) = Run("models", "list");
        Assert.True(code == 0, err);
        Assert.Contains("+chunk8192 on 36/48", stdout);
        Assert.Contains("+SW128 on 18/36+sinks", stdout);
    }
}
