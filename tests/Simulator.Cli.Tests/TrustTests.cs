using System.Globalization;
using System.Text.Json;
using Simulator.Tests;

namespace Simulator.Cli.Tests;

/// <summary>
/// Issue "Trustworthy answers": every default, drop, fallback and assumption is visible, and every bad input ends in
/// the documented exit code with a message naming the option or the file, line and field. Each test here failed on the
/// code before that issue.
/// </summary>
public class UnitOptionTests
{
    private static (int Code, string Out, string Err) Run(params string[] args) => CliRunner.Run(args);

    [Fact]
    public void A_bare_duration_is_refused_with_the_unit_named_in_every_verb()
    {
        var (code, _, err) = Run("simulate", "--model", "llama-3.1-8b", "--hardware", "h100-sxm", "--ttft-slo", "200", "--requests", "10");
        Assert.Equal(2, code);
        Assert.Contains("'200' has no unit; write '200 ms' or '0.2 s'", err);
        var (code2, _, err2) = Run("plan", "--model", "llama-3.1-8b", "--hardware", "h100-sxm", "--rate", "1", "--tpot-slo", "50");
        Assert.Equal(2, code2);
        Assert.Contains("'50' has no unit; write '50 ms' or '0.05 s'", err2);
        Assert.DoesNotContain("   at ", err + err2);
    }

    [Theory]
    [InlineData("--power-budget", "5000", "'5000 W' or '5 kW'")]
    [InlineData("--budget", "100", "'100 USD/h'")]
    [InlineData("--price", "h100-sxm=3.5", "'3.5 USD/h'")]
    [InlineData("--purchase-price", "h100-sxm=30000", "'30000 USD'")]
    [InlineData("--tco-period", "3", "'3 ms' or '0.003 s'")]
    public void Every_quantity_option_refuses_a_bare_number(string option, string value, string hint)
    {
        var (code, _, err) = Run("plan", "--model", "llama-3.1-8b", "--hardware", "h100-sxm", "--rate", "1", option, value);
        Assert.Equal(2, code);
        Assert.Contains("has no unit", err);
        Assert.Contains(hint, err);
        Assert.Contains(option, err);
    }

    [Fact]
    public void Durations_with_units_mean_the_same_in_plan_and_simulate()
    {
        var (code, stdout, err) = Run("simulate", "--model", "llama-3.1-8b", "--hardware", "h100-sxm", "--ttft-slo", "200ms", "--tpot-slo", "0.05 s",
            "--requests", "20", "--rate", "1", "--format", "json");
        Assert.True(code == 0, err);
        var cls = JsonDocument.Parse(stdout).RootElement.GetProperty("classes")[0];
        Assert.Equal(0.2, cls.GetProperty("ttftSlo").GetDouble(), 12);
        Assert.Equal(0.05, cls.GetProperty("tpotSlo").GetDouble(), 12);
    }
}

public class PlanTrustTests
{
    private static (int Code, string Out, string Err) Run(params string[] args) => CliRunner.Run(args);

    private static JsonElement PlanJson(params string[] extra)
    {
        var args = new List<string> { "plan", "--format", "json", "--check", "analytic" };
        args.AddRange(extra);
        var (code, stdout, err) = Run(args.ToArray());
        Assert.True(code == 0, err);
        return JsonDocument.Parse(stdout).RootElement;
    }

    [Fact]
    public void A_device_without_a_price_is_listed_as_excluded_with_the_option_that_brings_it_in()
    {
        var root = PlanJson("--model", "llama-3.1-8b", "--hardware", "h100-sxm,gaudi2", "--rate", "2");
        var excluded = root.GetProperty("excluded").EnumerateArray().ToList();
        var gaudi = Assert.Single(excluded, e => e.GetProperty("hardware").GetString() == "gaudi2");
        Assert.Contains("no hourly price", gaudi.GetProperty("reason").GetString());
        Assert.Contains("--price gaudi2=", gaudi.GetProperty("remedy").GetString());
        var (_, table, _) = Run("plan", "--model", "llama-3.1-8b", "--hardware", "h100-sxm,gaudi2", "--rate", "2", "--check", "analytic");
        Assert.Contains("excluded (asked for, but in no plan):", table);
        Assert.Contains("gaudi2: gaudi2 has no hourly price", table);
    }

    [Fact]
    public void Every_device_asked_for_is_in_a_plan_an_alternative_or_the_excluded_list()
    {
        string[] asked = ["h100-sxm", "a100-80gb-sxm", "l4", "gaudi2", "mi300x"];
        var root = PlanJson("--model", "llama-3.1-8b", "--hardware", string.Join(",", asked), "--rate", "3");
        var seen = new HashSet<string>();
        foreach (var section in new[] { "plans", "alternatives" })
            foreach (var p in root.GetProperty(section).EnumerateArray())
                foreach (var r in p.GetProperty("replicas").EnumerateArray()) seen.Add(r.GetProperty("hardware").GetString()!);
        foreach (var e in root.GetProperty("excluded").EnumerateArray()) seen.Add(e.GetProperty("hardware").GetString()!);
        foreach (var d in asked) Assert.Contains(d, seen);
    }

    [Fact]
    public void Purchase_objective_works_on_shipped_data_centre_gpus_and_costs_the_billed_devices()
    {
        var root = PlanJson("--model", "llama-3.1-8b", "--hardware", "h100-sxm", "--rate", "2", "--objective", "purchase");
        var best = root.GetProperty("plans")[0];
        // The shipped H100 street price: 27,500 USD (Raymond James via Barron's, Aug 2023), paid per billed device.
        Assert.Equal(27_500.0 * best.GetProperty("billedDevices").GetInt32(), best.GetProperty("purchaseUsd").GetDouble(), 6);
        Assert.StartsWith("street", best.GetProperty("prices").GetProperty("h100-sxm").GetProperty("purchaseSource").GetString());
    }

    [Fact]
    public void A_purchase_price_on_the_command_line_overrides_the_profile_and_is_labelled_user()
    {
        var root = PlanJson("--model", "llama-3.1-8b", "--hardware", "h100-sxm", "--rate", "2", "--objective", "purchase", "--purchase-price", "h100-sxm=30000 USD");
        var best = root.GetProperty("plans")[0];
        Assert.Equal(30_000.0 * best.GetProperty("billedDevices").GetInt32(), best.GetProperty("purchaseUsd").GetDouble(), 6);
        Assert.StartsWith("user", best.GetProperty("prices").GetProperty("h100-sxm").GetProperty("purchaseSource").GetString());
    }

    [Fact]
    public void Tco_is_purchase_plus_energy_plus_hosting_by_hand()
    {
        var root = PlanJson("--model", "llama-3.1-8b", "--hardware", "h100-sxm", "--rate", "2", "--objective", "tco", "--tco-period", "3 years",
            "--energy-price", "0.1 USD/kWh", "--pue", "1.5", "--hosting-price", "200 USD/kW/month", "--whole-nodes", "off");
        var best = root.GetProperty("plans")[0];
        var tco = best.GetProperty("tco");
        int billed = best.GetProperty("billedDevices").GetInt32();
        double hours = 3 * 365.25 * 24, months = 36;
        // Energy: average device power (reported) x PUE x hours x tariff; hosting: board power (700 W per H100) x months x price.
        double avgW = tco.GetProperty("averageWatts").GetDouble();
        Assert.InRange(avgW, billed * 0.25 * 700 - 1e-6, billed * 700 + 1e-6);
        Assert.Equal(avgW / 1000 * 1.5 * hours * 0.1, tco.GetProperty("energyUsd").GetDouble(), 6);
        Assert.Equal(billed * 0.7 * months * 200, tco.GetProperty("hostingUsd").GetDouble(), 6);
        Assert.Equal(billed * 27_500.0, tco.GetProperty("purchaseUsd").GetDouble(), 6);
        Assert.Equal(tco.GetProperty("purchaseUsd").GetDouble() + tco.GetProperty("energyUsd").GetDouble() + tco.GetProperty("hostingUsd").GetDouble(),
            tco.GetProperty("totalUsd").GetDouble(), 6);
    }

    [Fact]
    public void Ties_in_cost_go_to_fewer_devices_then_lower_latency_and_the_output_says_why_first_is_first()
    {
        var root = PlanJson("--model", "llama-3.1-70b", "--hardware", "h100-sxm", "--rate", "10", "--top", "8");
        var plans = root.GetProperty("plans").EnumerateArray().ToList();
        Assert.False(string.IsNullOrEmpty(root.GetProperty("whyFirst").GetString()));
        for (int i = 0; i + 1 < plans.Count; i++)
        {
            var (a, b) = (plans[i], plans[i + 1]);
            if (!a.GetProperty("meetsSlo").GetBoolean() || !b.GetProperty("meetsSlo").GetBoolean()) continue;
            double ca = Math.Round(a.GetProperty("costPerHour").GetDouble(), 2), cb = Math.Round(b.GetProperty("costPerHour").GetDouble(), 2);
            Assert.True(ca <= cb, $"plan {i + 1} costs more than plan {i + 2}");
            if (ca == cb) Assert.True(a.GetProperty("billedDevices").GetInt32() <= b.GetProperty("billedDevices").GetInt32(), $"tie on cost at {i + 1}: more devices first");
        }
        var (_, table, _) = Run("plan", "--model", "llama-3.1-70b", "--hardware", "h100-sxm", "--rate", "10", "--check", "analytic");
        Assert.Contains("why #1: ", table);
    }

    [Fact]
    public void Whole_node_billing_shows_devices_used_and_billed()
    {
        var root = PlanJson("--model", "llama-3.1-8b", "--hardware", "h100-sxm", "--rate", "0.5");
        var best = root.GetProperty("plans")[0];
        int used = best.GetProperty("devices").GetInt32(), billed = best.GetProperty("billedDevices").GetInt32();
        Assert.True(used < 8, "one small replica");
        Assert.Equal(8, billed); // an HGX H100 node holds 8
        Assert.Equal(billed * 3.99, best.GetProperty("costPerHour").GetDouble(), 6);
        var (_, table, _) = Run("plan", "--model", "llama-3.1-8b", "--hardware", "h100-sxm", "--rate", "0.5", "--check", "analytic");
        Assert.Contains($"{used} (8 billed)", table);
        Assert.Contains("pays for 8 (whole nodes", table);
    }

    [Fact]
    public void Headroom_keeps_spare_capacity()
    {
        var none = PlanJson("--model", "llama-3.1-8b", "--hardware", "h100-sxm", "--rate", "20", "--whole-nodes", "off");
        var half = PlanJson("--model", "llama-3.1-8b", "--hardware", "h100-sxm", "--rate", "20", "--whole-nodes", "off", "--headroom", "0.5");
        double capHalf = half.GetProperty("plans")[0].GetProperty("capacityRequestsPerSecond").GetDouble();
        Assert.True(capHalf >= 40 - 1e-6, $"capacity {capHalf} should be at least 20 / (1 - 0.5)");
        Assert.True(half.GetProperty("plans")[0].GetProperty("headroom").GetDouble() >= 0.5 - 1e-6);
        Assert.True(capHalf > none.GetProperty("plans")[0].GetProperty("capacityRequestsPerSecond").GetDouble());
    }

    [Theory]
    [InlineData("llama-3.1-70b", "h100-sxm", "5", "8")]
    [InlineData("llama-3.1-8b", "l4", "2", "4")]
    [InlineData("llama-3.1-70b", "a100-80gb-sxm", "3", "16")]
    public void The_status_line_never_says_infeasible_on_a_run_that_succeeded(string model, string hw, string rate, string maxDevices)
    {
        var root = PlanJson("--model", model, "--hardware", hw, "--rate", rate, "--max-devices", maxDevices);
        string status = root.GetProperty("searchStats").GetProperty("solverStatus").GetString()!;
        Assert.DoesNotContain("Infeasible", status);
        Assert.Contains("aggregated: ", status);
    }

    [Fact]
    public void A_fixed_cluster_plan_uses_one_quantization_per_device_type()
    {
        var (code, stdout, err) = Run("plan", "--model", "llama-3.1-8b", "--cluster", "hgx-h100", "--check", "analytic", "--format", "json", "--top", "10");
        Assert.True(code == 0, err);
        var root = JsonDocument.Parse(stdout).RootElement;
        foreach (var section in new[] { "plans", "alternatives" })
            foreach (var p in root.GetProperty(section).EnumerateArray())
                Assert.Single(p.GetProperty("replicas").EnumerateArray().Select(r => r.GetProperty("quantization").GetString()).Distinct());
    }

    [Fact]
    public void Workload_means_come_from_the_distributions_the_simulator_samples()
    {
        var root = PlanJson("--model", "llama-3.1-8b", "--hardware", "h100-sxm", "--rate", "1", "--workload", "reasoning");
        double meanIn = root.GetProperty("meanInputTokens").GetDouble(), meanOut = root.GetProperty("meanOutputTokens").GetDouble();
        // Independent check: the mean of 200,000 lengths drawn by the simulator's own sampler.
        var cls = Serving.Presets.Reasoning;
        var rng = new Random(7);
        double sumIn = 0, sumOut = 0;
        const int n = 200_000;
        for (int i = 0; i < n; i++) { sumIn += cls.Input.Sample(rng); sumOut += cls.Output.Sample(rng); }
        Assert.InRange(meanIn / (sumIn / n), 0.99, 1.01);
        Assert.InRange(meanOut / (sumOut / n), 0.99, 1.01);
        Assert.NotEqual(4096, Math.Round(meanOut)); // the old hard-coded figure the simulator never sampled
    }

    [Fact]
    public void Plan_json_is_byte_identical_run_to_run()
    {
        var a = Run("plan", "--model", "llama-3.1-8b", "--hardware", "h100-sxm,a100-80gb-sxm", "--rate", "4", "--format", "json");
        var b = Run("plan", "--model", "llama-3.1-8b", "--hardware", "h100-sxm,a100-80gb-sxm", "--rate", "4", "--format", "json");
        Assert.Equal(0, a.Code);
        Assert.Equal(a.Out, b.Out);
        Assert.DoesNotContain("wallSeconds", a.Out);
        Assert.Contains("wallSeconds", Run("plan", "--model", "llama-3.1-8b", "--hardware", "h100-sxm", "--rate", "4", "--format", "json", "--check", "analytic", "--timings").Out);
    }
}

public class BadInputCliTests
{
    private static (int Code, string Out, string Err) Run(params string[] args) => CliRunner.Run(args);

    [Theory]
    [InlineData("estimate", "--model", "llama-3.1-8b", "--hardware", "h100-sxm", "--no-such-option", "1")]
    [InlineData("estimate", "--model", "llama-3.1-8b", "--hardware", "h100-sxm", "--batch", "1e12")]
    [InlineData("simulate", "--model", "llama-3.1-8b", "--hardware", "h100-sxm", "--seed", "abc")]
    [InlineData("hardware", "list", "--format", "xml")]
    [InlineData("simulate", "--model", "llama-3.1-8b", "--hardware", "h100-sxm", "--replicas", "100000000")]
    [InlineData("simulate", "--model", "llama-3.1-8b", "--hardware", "h100-sxm", "--requests", "1000000000000")]
    [InlineData("simulate", "--model", "llama-3.1-8b", "--hardware", "h100-sxm", "--scheduler", "chunked", "--output-tokens", "2147483647")]
    [InlineData("plan", "--model", "llama-3.1-8b", "--hardware", "h100-sxm", "--rate", "1", "--price", "h100-sxm=-3 USD/h")]
    [InlineData("plan", "--model", "llama-3.1-8b", "--hardware", "h100-sxm", "--rate", "1", "--price", "h100-sxm=NaN USD/h")]
    [InlineData("plan", "--model", "llama-3.1-8b", "--hardware", "h100-sxm", "--rate", "1", "--budget", "NaN USD/h")]
    [InlineData("plan", "--model", "llama-3.1-8b", "--hardware", "h100-sxm", "--rate", "1", "--max-devices", "2147483647")]
    [InlineData("plan", "--model", "llama-3.1-8b", "--hardware", "h100-sxm", "--rate", "1", "--objective", "cheapest")]
    [InlineData("roofline", "--model", "llama-3.1-8b", "--hardware", "h100-sxm", "--phase", "both")]
    public void Option_errors_exit_2_with_a_message_naming_the_option(params string[] args)
    {
        var (code, _, err) = Run(args);
        Assert.Equal(2, code);
        Assert.StartsWith("error: ", err);
        Assert.DoesNotContain("   at ", err);
    }

    [Fact]
    public void A_negative_slo_gets_a_message()
    {
        var (code, _, err) = Run("plan", "--model", "llama-3.1-8b", "--hardware", "h100-sxm", "--rate", "1", "--ttft-slo", "-1 s");
        Assert.Equal(2, code);
        Assert.Contains("--ttft-slo: '-1 s' must not be negative", err);
    }

    [Fact]
    public void A_misspelt_inventory_or_price_device_is_an_error_not_ignored()
    {
        var (code, _, err) = Run("plan", "--model", "llama-3.1-8b", "--hardware", "h100-sxm", "--rate", "1", "--inventory", "h100-smx=8");
        Assert.Equal(2, code);
        Assert.Contains("--inventory: 'h100-smx' is not one of the hardware asked for", err);
        Assert.Contains("h100-sxm", err);
        var (code2, _, err2) = Run("plan", "--model", "llama-3.1-8b", "--hardware", "h100-sxm", "--rate", "1", "--price", "h200-sxm=4 USD/h");
        Assert.Equal(2, code2);
        Assert.Contains("--price: 'h200-sxm'", err2);
    }

    [Theory]
    [InlineData("estimate", "--model", "llama-2-7b", "--hardware", "h100-sxm", "--input", "4000", "--output", "200")]
    [InlineData("plan", "--model", "llama-2-7b", "--hardware", "h100-sxm", "--rate", "1", "--input-tokens", "4000", "--output-tokens", "200")]
    [InlineData("roofline", "--model", "llama-2-7b", "--hardware", "h100-sxm", "--phase", "prefill", "--seq", "5000")]
    public void Prompts_longer_than_the_context_window_are_refused(params string[] args)
    {
        var (code, _, err) = Run(args);
        Assert.Equal(2, code);
        Assert.Contains("context window of 4,096 tokens", err);
    }

    [Fact]
    public void A_missing_models_dir_is_an_error_not_an_empty_library()
    {
        var o = new StringWriter();
        var e = new StringWriter();
        int code = Cli.Run(["models", "list", "--models-dir", "/no/such/folder"], o, e);
        Assert.Equal(2, code);
        Assert.Contains("--models-dir: folder '/no/such/folder' does not exist", e.ToString());
    }

    [Fact]
    public void A_compare_device_that_does_not_exist_is_an_error_and_compare_needs_a_plot()
    {
        string plot = Path.Combine(Path.GetTempPath(), $"cmp-{Guid.NewGuid():N}.png");
        var (code, stdout, err) = Run("roofline", "--model", "llama-3.1-8b", "--hardware", "h100-sxm", "--plot", plot, "--compare", "a100-80gb-sxm,h100-smx");
        Assert.Equal(2, code);
        Assert.Contains("h100-smx", err);
        Assert.Equal("", stdout);
        Assert.False(File.Exists(plot));
        var (code2, _, err2) = Run("roofline", "--model", "llama-3.1-8b", "--hardware", "h100-sxm", "--compare", "a100-80gb-sxm");
        Assert.Equal(2, code2);
        Assert.Contains("--compare", err2);
    }

    [Fact]
    public void A_failing_plot_path_fails_before_anything_is_printed()
    {
        var (code, stdout, err) = Run("estimate", "--model", "llama-3.1-8b", "--hardware", "h100-sxm", "--sweep", "batch=1,2", "--plot", "/no/such/folder/x.png");
        Assert.Equal(2, code);
        Assert.Equal("", stdout);
        Assert.Contains("does not exist", err);
        var (code2, stdout2, err2) = Run("estimate", "--model", "llama-3.1-8b", "--hardware", "h100-sxm", "--sweep", "batch=1,2", "--plot", Path.Combine(Path.GetTempPath(), "x.txt"));
        Assert.Equal(2, code2);
        Assert.Equal("", stdout2);
        Assert.Contains(".png or .svg", err2);
    }

    [Fact]
    public void A_full_disk_while_streaming_requests_is_exit_2_not_an_internal_error()
    {
        var (code, _, err) = Run("simulate", "--model", "llama-3.1-8b", "--hardware", "h100-sxm", "--rate", "5", "--requests", "20000", "--requests-out", "/dev/full");
        Assert.Equal(2, code);
        Assert.Contains("--requests-out: cannot write", err);
        Assert.DoesNotContain("internal error", err);
    }

    [Fact]
    public void A_run_that_ends_badly_leaves_no_half_written_requests_file()
    {
        string dir = Path.Combine(Path.GetTempPath(), $"rq-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        try
        {
            string file = Path.Combine(dir, "requests.csv");
            // The option is checked up front; the model does not fit on one L4, which is found after the output was opened.
            var (code, _, _) = Run("simulate", "--model", "llama-3.1-70b", "--hardware", "l4", "--requests", "10", "--requests-out", file);
            Assert.Equal(2, code);
            Assert.Empty(Directory.GetFiles(dir));
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void Nothing_completing_prints_na_not_nan()
    {
        var (code, stdout, err) = Run("simulate", "--model", "llama-3.1-8b", "--hardware", "h100-sxm", "--input-tokens", "200000", "--output-tokens", "10", "--requests", "5", "--rate", "1");
        Assert.True(code == 0, err);
        Assert.Contains("completed 0, rejected 5", stdout);
        Assert.DoesNotContain("NaN", stdout);
        Assert.Contains("n/a J per output token", stdout);
    }

    [Fact]
    public void A_profile_naming_an_unknown_interconnect_is_an_error_with_file_line_and_field()
    {
        string dir = CopyHardware();
        try
        {
            string file = Path.Combine(dir, "gpu", "h100-sxm.yaml");
            File.WriteAllText(file, File.ReadAllText(file).Replace("intra_node: nvlink4", "intra_node: nvlnk4"));
            var (code, _, err) = CliRunner.RunWith(dir, "estimate", "--model", "llama-3.1-8b", "--hardware", "h100-sxm");
            Assert.Equal(2, code);
            Assert.Contains("h100-sxm.yaml:", err);
            Assert.Contains("interconnects.intra_node: unknown interconnect 'nvlnk4'", err);
            Assert.Contains("nvlink4", err);
            // The listing shows the others and still exits 2 for the broken one.
            var (code2, stdout2, _) = CliRunner.RunWith(dir, "hardware", "list");
            Assert.Equal(2, code2);
            Assert.Contains("a100-80gb-sxm", stdout2);
        }
        finally { Directory.Delete(dir, true); }
    }

    private static string CopyHardware()
    {
        string dir = Path.Combine(Path.GetTempPath(), $"hw-{Guid.NewGuid():N}");
        foreach (var f in Directory.EnumerateFiles(RepoPaths.HardwareDir, "*", SearchOption.AllDirectories))
        {
            string to = Path.Combine(dir, Path.GetRelativePath(RepoPaths.HardwareDir, f));
            Directory.CreateDirectory(Path.GetDirectoryName(to)!);
            File.Copy(f, to);
        }
        return dir;
    }
}

public class OutputTrustTests
{
    private static (int Code, string Out, string Err) Run(params string[] args) => CliRunner.Run(args);

    [Fact]
    public void Hardware_show_names_the_device_and_wraps_long_cells()
    {
        var (code, stdout, _) = Run("hardware", "show", "h100-sxm");
        Assert.Equal(0, code);
        var lines = stdout.Split('\n');
        Assert.Matches(@"^field\s+value$", lines[0]);
        Assert.Matches(@"^name\s+h100-sxm$", lines[2]);
        Assert.DoesNotContain(lines, l => l.StartsWith("name ") && l.Contains("value"));
        Assert.All(lines, l => Assert.True(l.Length <= 110, $"line of {l.Length} characters: {l[..Math.Min(60, l.Length)]}..."));
        Assert.Contains("Raymond James", stdout); // the purchase price's source is shown
    }

    [Fact]
    public void Hardware_list_prints_integer_peaks_in_tops_and_memory_as_the_datasheet_states_it()
    {
        var (code, stdout, _) = Run("hardware", "list");
        Assert.Equal(0, code);
        string a100 = stdout.Split('\n').First(l => l.StartsWith("a100-80gb-sxm "));
        Assert.Contains("624 TOPS", a100);
        Assert.DoesNotContain("624 TFLOP/s", a100);
        Assert.Contains(" 80 GB ", a100);
        Assert.DoesNotContain("GiB", a100);
    }

    [Fact]
    public void Progress_goes_to_stderr_on_a_terminal_even_when_stdout_is_json()
    {
        var o = new StringWriter();
        var e = new StringWriter();
        int code = Cli.Run(["simulate", "--model", "llama-3.1-8b", "--hardware", "h100-sxm", "--rate", "10", "--requests", "3000", "--format", "json",
            "--hardware-dir", RepoPaths.HardwareDir, "--models-dir", RepoPaths.ModelsDir], o, e, interactive: true);
        Assert.Equal(0, code);
        JsonDocument.Parse(o.ToString()); // stdout stays clean JSON
        Assert.Contains("simulating", e.ToString());
        Assert.Contains("elapsed", e.ToString());
    }
}
