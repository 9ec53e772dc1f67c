using System.Text.Json;
using Simulator.Tests;

namespace Simulator.Cli.Tests;

/// <summary>The llmsim command line, run in-process: output formats, exit codes, and messages for bad input.</summary>
public class CliTests
{
    private static (int Code, string Out, string Err) Run(params string[] args) => CliRunner.Run(args);

    [Fact]
    public void Hardware_list_json_is_an_array_with_name_and_kind()
    {
        var (code, stdout, _) = Run("hardware", "list", "--format", "json");
        Assert.Equal(0, code);
        var doc = JsonDocument.Parse(stdout);
        Assert.Equal(JsonValueKind.Array, doc.RootElement.ValueKind);
        Assert.True(doc.RootElement.GetArrayLength() >= 20);
        foreach (var item in doc.RootElement.EnumerateArray())
        {
            Assert.False(string.IsNullOrEmpty(item.GetProperty("name").GetString()));
            Assert.Contains(item.GetProperty("kind").GetString(), new[] { "gpu", "fpga", "npu", "tpu", "cpu" });
        }
    }

    [Fact]
    public void Tpus_are_a_kind_of_their_own()
    {
        // The hardware-kind recipe followed once: TPU v5e and v6e moved from npu/ to tpu/ (kind: tpu).
        var (code, stdout, err) = Run("hardware", "list", "--kind", "tpu", "--format", "json");
        Assert.True(code == 0, err);
        var names = JsonDocument.Parse(stdout).RootElement.EnumerateArray().Select(x => x.GetProperty("name").GetString()).ToList();
        Assert.Equal(["tpu-v5e", "tpu-v6e"], names);
        var (_, npus, _) = Run("hardware", "list", "--kind", "npu", "--format", "json");
        Assert.DoesNotContain("tpu", npus);
    }

    [Fact]
    public void Models_show_json_has_derived_totals()
    {
        var (code, stdout, _) = Run("models", "show", "Llama-2-7B", "--format", "json");
        Assert.Equal(0, code);
        var root = JsonDocument.Parse(stdout).RootElement;
        Assert.Equal(6_738_415_616, root.GetProperty("totalParameters").GetDouble());
        Assert.Equal(524_288, root.GetProperty("kvCacheBytesPerToken").GetDouble());
        Assert.True(root.TryGetProperty("activeParameters", out _));
    }

    [Fact]
    public void Csv_output_has_a_header_and_one_row_per_model()
    {
        var (code, stdout, _) = Run("models", "list", "--format", "csv");
        Assert.Equal(0, code);
        var lines = stdout.TrimEnd().Split('\n');
        Assert.StartsWith("name,", lines[0]);
        Assert.True(lines.Length >= 16);
    }

    [Fact]
    public void Wrong_name_lists_the_closest_and_exits_non_zero()
    {
        var (code, _, stderr) = Run("hardware", "show", "h100-smx");
        Assert.Equal(Cli.BadInput, code);
        Assert.Contains("h100-sxm", stderr);
        Assert.DoesNotContain("   at ", stderr);
    }

    [Fact]
    public void Broken_file_reports_file_line_field_without_stack_trace()
    {
        string file = Path.Combine(RepoPaths.Fixtures, "bad", "wrong-unit.yaml");
        var (code, _, stderr) = Run("hardware", "show", file);
        Assert.Equal(Cli.BadInput, code);
        Assert.Contains("wrong-unit.yaml:11: memory[0].bandwidth:", stderr);
        Assert.DoesNotContain("   at ", stderr);
    }

    [Fact]
    public void Import_writes_a_spec_that_loads_back()
    {
        string dir = Path.Combine(Path.GetTempPath(), "llmsim-cli-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            string output = Path.Combine(dir, "mixtral-copy.yaml");
            var (code, _, err) = Run("models", "import", Path.Combine(RepoPaths.Fixtures, "hf-configs", "mixtral-8x7b.json"), "--name", "mixtral-copy", "-o", output);
            Assert.Equal(0, code);
            Assert.Contains("46.7B", err);
            var (code2, stdout, _) = Run("models", "show", output, "--format", "json");
            Assert.Equal(0, code2);
            Assert.Equal(46.7e9, JsonDocument.Parse(stdout).RootElement.GetProperty("totalParameters").GetDouble(), 0.01e9);
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void Roofline_json_lists_operators_with_bounds_and_whole_model_totals()
    {
        var (code, stdout, err) = Run("roofline", "--model", "llama-3.1-8b", "--hardware", "h100-sxm", "--phase", "decode", "--batch", "1", "--seq", "1024", "--format", "json");
        Assert.True(code == 0, err);
        var root = JsonDocument.Parse(stdout).RootElement;
        var ops = root.GetProperty("operators").EnumerateArray().ToList();
        Assert.Contains(ops, o => o.GetProperty("name").GetString() == "qkv_proj");
        foreach (var o in ops)
        {
            Assert.Contains(o.GetProperty("bound").GetString(), new[] { "compute", "memory" });
            Assert.True(o.GetProperty("seconds").GetDouble() > 0);
        }
        // Whole-model decode FLOPs ~ 2 x (8.03B - 0.53B embedding) + attention ~ 15.5 GFLOP.
        Assert.InRange(root.GetProperty("totals").GetProperty("flops").GetDouble(), 15.0e9, 16.0e9);
    }

    [Fact]
    public void Estimate_json_has_the_contract_fields()
    {
        var (code, stdout, err) = Run("estimate", "--model", "llama-3.1-70b", "--hardware", "h100-sxm", "--tp", "4", "--batch", "8", "--input", "1024", "--output", "128", "--format", "json");
        Assert.True(code == 0, err);
        var root = JsonDocument.Parse(stdout).RootElement;
        foreach (var f in new[] { "ttftSeconds", "tpotSeconds", "e2eSeconds", "tokensPerSecond", "weightBytesPerDevice", "kvCacheBytes", "fits" })
            Assert.True(root.TryGetProperty(f, out _), f);
        Assert.True(root.GetProperty("fits").GetBoolean());
    }

    [Fact]
    public void Estimate_sweep_prints_one_row_per_value_and_plots()
    {
        string png = Path.Combine(Path.GetTempPath(), $"llmsim-sweep-{Guid.NewGuid():N}.png");
        try
        {
            var (code, stdout, err) = Run("estimate", "--model", "llama-3.1-8b", "--hardware", "h100-sxm", "--sweep", "batch=1,4,16", "--format", "csv", "--plot", png);
            Assert.True(code == 0, err);
            Assert.Equal(4, stdout.TrimEnd().Split('\n').Length);
            Assert.True(new FileInfo(png).Length > 10_000);
        }
        finally { File.Delete(png); }
    }

    [Fact]
    public void Roofline_plot_writes_an_image_with_compare()
    {
        string svg = Path.Combine(Path.GetTempPath(), $"llmsim-roofline-{Guid.NewGuid():N}.svg");
        try
        {
            var (code, _, err) = Run("roofline", "--model", "llama-3.1-8b", "--hardware", "h100-sxm", "--phase", "prefill", "--seq", "2048", "--plot", svg, "--compare", "a100-80gb-sxm");
            Assert.True(code == 0, err);
            string text = File.ReadAllText(svg);
            Assert.Contains("<svg", text);
            Assert.Contains("a100-80gb-sxm", text);
        }
        finally { File.Delete(svg); }
    }

    [Theory]
    [InlineData("does not fit", 3, "estimate", "--model", "llama-3.1-70b", "--hardware", "h100-sxm", "--batch", "1")]
    [InlineData("does not divide", 2, "estimate", "--model", "llama-3.1-8b", "--hardware", "h100-sxm", "--tp", "3")]
    [InlineData("unknown quantization", 2, "estimate", "--model", "llama-3.1-8b", "--hardware", "h100-sxm", "--quant", "w3a9")]
    [InlineData("--phase must be", 2, "roofline", "--model", "llama-3.1-8b", "--hardware", "h100-sxm", "--phase", "both")]
    public void Impossible_requests_exit_non_zero_with_a_message(string words, int expectedCode, params string[] args)
    {
        var (code, stdout, stderr) = Run(args);
        Assert.Equal(expectedCode, code);
        Assert.Contains(words, stdout + stderr);
        Assert.DoesNotContain("   at ", stderr);
    }

    [Fact]
    public void Version_and_help_work()
    {
        Assert.Equal(0, Run("--version").Code);
        var (code, stdout, _) = Run("--help");
        Assert.Equal(0, code);
        Assert.Contains("roofline", stdout);
    }
}

public class PlanCliTests
{
    private static (int Code, string Out, string Err) Run(params string[] args) => CliRunner.Run(args);

    [Fact]
    public void Plan_json_has_ranked_plans_and_search_stats()
    {
        var (code, stdout, err) = Run("plan", "--model", "llama-3.1-8b", "--hardware", "h100-sxm,a100-80gb-sxm", "--rate", "5", "--format", "json");
        Assert.True(code == 0, err);
        var root = JsonDocument.Parse(stdout).RootElement;
        var plan = root.GetProperty("plans")[0];
        foreach (var f in new[] { "hardware", "replicas", "disaggregated", "ttftP90Seconds", "tpotP90Seconds", "goodput", "costPerHour", "devices", "meetsSlo" })
            Assert.True(plan.TryGetProperty(f, out _), f);
        var stats = root.GetProperty("searchStats");
        Assert.True(stats.GetProperty("configurationsConsidered").GetInt32() > 10);
        Assert.True(root.GetProperty("defaults").GetArrayLength() >= 3); // says which defaults it used
    }

    [Fact]
    public void Impossible_demand_exits_non_zero_saying_infeasible()
    {
        var (code, _, err) = Run("plan", "--model", "llama-3.1-70b", "--hardware", "a100-80gb-sxm", "--rate", "1", "--tpot-slo", "1ms");
        Assert.Equal(4, code);   // the documented exit code for "no plan exists" (README, Exit codes)
        Assert.Contains("infeasible", err);
        Assert.DoesNotContain("   at ", err);
    }
}

public class FixedClusterPlanTests
{
    [Fact]
    public void Fixed_cluster_reports_the_highest_goodput_within_its_devices()
    {
        var (code, stdout, err) = CliRunner.Run("plan", "--model", "llama-3.1-8b", "--cluster", "hgx-h100", "--check", "analytic", "--format", "json");
        Assert.True(code == 0, err);
        var root = JsonDocument.Parse(stdout).RootElement;
        double rate = root.GetProperty("rate").GetDouble();
        var best = root.GetProperty("plans")[0];
        Assert.True(best.GetProperty("devices").GetInt32() <= 8);
        Assert.True(best.GetProperty("meetsSlo").GetBoolean());
        Assert.True(best.GetProperty("capacityRequestsPerSecond").GetDouble() >= rate - 1e-9);
        // Bisection found the edge: 10% more traffic has no plan on 8 devices.
        var (code2, _, err2) = CliRunner.Run("plan", "--model", "llama-3.1-8b", "--hardware", "h100-sxm", "--rate", (rate * 1.1).ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--max-devices", "8", "--check", "analytic", "--allow-disaggregation", "on");
        Assert.True(code2 == 4, $"expected infeasible at 1.1 x {rate}: {err2}");
    }
}
