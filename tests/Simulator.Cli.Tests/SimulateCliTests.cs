using System.Text.Json;
using Simulator.Tests;

namespace Simulator.Cli.Tests;

/// <summary><c>llmsim simulate</c>: the JSON contract, determinism, traces, sweeps, plots, disaggregation and bad input.</summary>
public class SimulateCliTests
{
    private static (int Code, string Out, string Err) Run(params string[] args)
    {
        var o = new StringWriter();
        var e = new StringWriter();
        var all = args.Concat(["--hardware-dir", RepoPaths.HardwareDir, "--models-dir", RepoPaths.ModelsDir]).ToArray();
        int code = Cli.Run(all, o, e);
        return (code, o.ToString(), e.ToString());
    }

    private static readonly string[] Base = ["simulate", "--model", "llama-3.1-8b", "--hardware", "h100-sxm"];

    private static string Temp(string ext) => Path.Combine(Path.GetTempPath(), $"llmsim-sim-{Guid.NewGuid():N}{ext}");

    [Fact]
    public void Json_summary_has_the_contract_fields()
    {
        var (code, stdout, err) = Run([.. Base, "--workload", "chat", "--rate", "4", "--requests", "200", "--format", "json"]);
        Assert.True(code == 0, err);
        var root = JsonDocument.Parse(stdout).RootElement;
        Assert.Equal(200, root.GetProperty("requests").GetInt64());
        Assert.Equal(200, root.GetProperty("completed").GetInt64() + root.GetProperty("rejected").GetInt64());
        foreach (var metric in new[] { "ttft", "tpot", "e2e", "queueDelay" })
            foreach (var stat in new[] { "mean", "p50", "p90", "p99" })
                Assert.True(root.GetProperty(metric).GetProperty(stat).GetDouble() >= 0, $"{metric}.{stat}");
        Assert.True(root.GetProperty("ttft").GetProperty("p99").GetDouble() >= root.GetProperty("ttft").GetProperty("p50").GetDouble());
        Assert.True(root.GetProperty("goodput").GetDouble() > 0);
        Assert.True(root.GetProperty("throughputTokensPerSecond").GetDouble() > 0);
        Assert.True(root.GetProperty("costUsdPerMillionOutputTokens").GetDouble() > 0);
        Assert.True(root.GetProperty("kvUsage").GetArrayLength() > 0);
    }

    [Fact]
    public void Same_seed_gives_byte_identical_json_and_csv_and_another_seed_differs()
    {
        string[] args = [.. Base, "--workload", "code", "--rate", "6", "--requests", "150", "--scheduler", "chunked", "--format", "json"];
        string a = Temp(".csv"), b = Temp(".csv"), c = Temp(".csv");
        try
        {
            var r1 = Run([.. args, "--seed", "5", "--requests-out", a]);
            var r2 = Run([.. args, "--seed", "5", "--requests-out", b]);
            var r3 = Run([.. args, "--seed", "6", "--requests-out", c]);
            Assert.Equal(0, r1.Code);
            Assert.Equal(r1.Out, r2.Out);
            Assert.Equal(File.ReadAllBytes(a), File.ReadAllBytes(b));
            Assert.NotEqual(r1.Out, r3.Out);
            Assert.NotEqual(File.ReadAllText(a), File.ReadAllText(c));
            var lines = File.ReadAllLines(a);
            Assert.StartsWith("id,class,arrivalSeconds,inputTokens,outputTokens,", lines[0]);
            Assert.Equal(151, lines.Length);
        }
        finally { foreach (var f in new[] { a, b, c }) File.Delete(f); }
    }

    [Fact]
    public void A_trace_with_broken_rows_reports_them_and_still_runs()
    {
        string trace = Temp(".csv");
        File.WriteAllText(trace, "Timestamp,Model,Request tokens,Response tokens,Total tokens,Log Type\n0,ChatGPT,100,20,120,Conversation log\n1,ChatGPT,x,20,120,Conversation log\n2,GPT-4,300,0,300,API log\n3,GPT-4,200,30,230,API log\n");
        try
        {
            var (code, stdout, err) = Run([.. Base, "--trace", trace, "--format", "json"]);
            Assert.True(code == 0, err);
            Assert.Contains("2 broken rows skipped (line 3:", err);
            Assert.Contains("line 4:", err);
            var root = JsonDocument.Parse(stdout).RootElement;
            Assert.Equal(2, root.GetProperty("requests").GetInt64());
            Assert.Equal(2, root.GetProperty("trace").GetProperty("brokenRows").GetInt32());
            Assert.Equal(3, root.GetProperty("trace").GetProperty("firstBroken")[0].GetProperty("line").GetInt32());
        }
        finally { File.Delete(trace); }
    }

    [Fact]
    public void A_trace_without_a_usable_row_says_why_with_counts_and_line_numbers()
    {
        // 120 rows with a bad timestamp (lines 2-121), then 3 rows with too few cells (lines 122-124).
        string trace = Temp(".csv");
        var text = new System.Text.StringBuilder("Timestamp,Model,Request tokens,Response tokens,Total tokens,Log Type\n");
        for (int i = 0; i < 120; i++) text.Append("noon,ChatGPT,100,20,120,Conversation log\n");
        for (int i = 0; i < 3; i++) text.Append("5,ChatGPT,100\n");
        File.WriteAllText(trace, text.ToString());
        try
        {
            var (code, _, err) = Run([.. Base, "--trace", trace]);
            Assert.Equal(Cli.BadInput, code);
            Assert.Contains($"{trace}: no usable rows: 120 rows with a non-numeric or negative timestamp (lines 2, 3, 4, 5, 6, ...), "
                + "3 rows with too few cells (lines 122, 123, 124)", err);
            Assert.DoesNotContain("   at ", err);
        }
        finally { File.Delete(trace); }
    }

    [Fact]
    public void A_bom_and_crlf_trace_and_length_file_give_byte_identical_results()
    {
        string root = Path.Combine(Path.GetTempPath(), "llmsim-crlf-" + Guid.NewGuid().ToString("N"));
        string clean = Path.Combine(root, "clean"), dirty = Path.Combine(root, "dirty");
        Directory.CreateDirectory(clean);
        Directory.CreateDirectory(dirty);
        void Write(string name, string text)
        {
            File.WriteAllText(Path.Combine(clean, name), text, new System.Text.UTF8Encoding(false));
            File.WriteAllText(Path.Combine(dirty, name), text.Replace("\n", "\r\n"), new System.Text.UTF8Encoding(true));
        }
        try
        {
            Write("trace.csv", File.ReadAllText(Path.Combine(RepoPaths.Root, "workloads", "traces", "burstgpt-sample.csv")) + "x,ChatGPT,1,1,2,API log\n");
            Write("lengths.csv", "prompt,other\n100,1\n\n200,2\n400,3\n");
            Write("w.yaml", "name: custom\narrival: {process: poisson, rate: 3}\nclasses:\n  - input: {dist: empirical, file: lengths.csv, column: prompt}\n    output: {dist: fixed, value: 16}\n");
            string Out(string dir, params string[] args)
            {
                string requests = Path.Combine(dir, "requests.csv");
                var (code, stdout, err) = Run([.. Base, .. args, "--format", "json", "--requests-out", requests]);
                Assert.True(code == 0, err);
                return (stdout + File.ReadAllText(requests)).Replace(dir, "DIR");
            }
            Assert.Equal(Out(clean, "--trace", Path.Combine(clean, "trace.csv")), Out(dirty, "--trace", Path.Combine(dirty, "trace.csv")));
            Assert.Equal(Out(clean, "--workload", Path.Combine(clean, "w.yaml"), "--requests", "40"), Out(dirty, "--workload", Path.Combine(dirty, "w.yaml"), "--requests", "40"));
        }
        finally { Directory.Delete(root, true); }
    }

    [Fact]
    public void Shipped_sample_traces_replay_in_both_formats_with_time_scale()
    {
        string dir = Path.Combine(RepoPaths.Root, "workloads", "traces");
        var burst = Run([.. Base, "--trace", Path.Combine(dir, "burstgpt-sample.csv"), "--time-scale", "2", "--format", "json"]);
        var azure = Run([.. Base, "--trace", Path.Combine(dir, "azure-sample.csv"), "--trace-format", "azure", "--requests", "50", "--format", "json"]);
        Assert.True(burst.Code == 0, burst.Err);
        Assert.True(azure.Code == 0, azure.Err);
        Assert.Equal(200, JsonDocument.Parse(burst.Out).RootElement.GetProperty("requests").GetInt64());
        Assert.Equal(50, JsonDocument.Parse(azure.Out).RootElement.GetProperty("requests").GetInt64());
        Assert.Equal("azure", JsonDocument.Parse(azure.Out).RootElement.GetProperty("trace").GetProperty("format").GetString());
    }

    [Fact]
    public void Rate_sweep_prints_one_row_per_rate_and_plots_latency_and_goodput()
    {
        string png = Temp(".png");
        try
        {
            var (code, stdout, err) = Run([.. Base, "--rate-sweep", "1,4,16", "--requests", "100", "--format", "csv", "--plot", png]);
            Assert.True(code == 0, err);
            var lines = stdout.TrimEnd().Split('\n');
            Assert.Equal(4, lines.Length);
            Assert.StartsWith("rate,requests,completed,rejected,durationSeconds,ttftMean,", lines[0]);
            Assert.StartsWith("16,100,", lines[3]);
            Assert.True(new FileInfo(png).Length > 10_000);
        }
        finally { File.Delete(png); }
    }

    [Fact]
    public void Plot_writes_latency_cdfs_and_kv_usage()
    {
        string png = Temp(".png");
        string kv = Path.Combine(Path.GetDirectoryName(png)!, Path.GetFileNameWithoutExtension(png) + "-kv.png");
        try
        {
            var (code, stdout, err) = Run([.. Base, "--rate", "8", "--requests", "300", "--plot", png]);
            Assert.True(code == 0, err);
            Assert.Contains("ttft", stdout);
            Assert.Contains("goodput", stdout);
            Assert.True(new FileInfo(png).Length > 10_000);
            Assert.True(new FileInfo(kv).Length > 10_000);
        }
        finally { File.Delete(png); File.Delete(kv); }
    }

    [Fact]
    public void Disaggregation_reports_both_pools_and_kv_transfers()
    {
        var (code, stdout, err) = Run([.. Base, "--disaggregate", "--prefill-replicas", "1", "--decode-hardware", "h200-sxm", "--decode-replicas", "2",
            "--rate", "6", "--requests", "120", "--format", "json"]);
        Assert.True(code == 0, err);
        var root = JsonDocument.Parse(stdout).RootElement;
        Assert.Equal(2, root.GetProperty("pools").GetArrayLength());
        Assert.Equal("decode", root.GetProperty("pools")[1].GetProperty("role").GetString());
        Assert.Equal("h200-sxm", root.GetProperty("pools")[1].GetProperty("hardware").GetString());
        Assert.Equal(3, root.GetProperty("devices").GetInt32());
        Assert.True(root.GetProperty("kvTransfers").GetInt64() > 0);
    }

    [Fact]
    public void A_workload_file_with_an_empirical_length_file_runs()
    {
        string dir = Path.Combine(Path.GetTempPath(), "llmsim-wl-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            File.WriteAllText(Path.Combine(dir, "lengths.csv"), "prompt,other\n100,1\n200,2\n400,3\n");
            File.WriteAllText(Path.Combine(dir, "w.yaml"), """
                name: custom
                arrival: {process: gamma, rate: 3, cv: 2}
                classes:
                  - name: a
                    input: {dist: empirical, file: lengths.csv, column: prompt}
                    output: {dist: fixed, value: 16}
                    slo: {ttft: 200 ms, tpot: 30 ms}
                """);
            var (code, stdout, err) = Run([.. Base, "--workload", Path.Combine(dir, "w.yaml"), "--requests", "60", "--format", "json"]);
            Assert.True(code == 0, err);
            var root = JsonDocument.Parse(stdout).RootElement;
            Assert.Equal("Gamma 3 req/s, cv 2", root.GetProperty("arrivals").GetString());
            Assert.Equal(0.2, root.GetProperty("classes")[0].GetProperty("ttftSlo").GetDouble(), 12);
            Assert.Equal(60 * 16, root.GetProperty("outputTokens").GetInt64());
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void Closed_loop_and_fixed_lengths_and_slo_overrides()
    {
        var (code, stdout, err) = Run([.. Base, "--concurrency", "8", "--input-tokens", "512", "--output-tokens", "64", "--requests", "80",
            "--ttft-slo", "1 s", "--tpot-slo", "50ms", "--scheduler", "static", "--format", "json"]);
        Assert.True(code == 0, err);
        var root = JsonDocument.Parse(stdout).RootElement;
        Assert.Equal(80 * 64, root.GetProperty("outputTokens").GetInt64());
        Assert.Equal(0.05, root.GetProperty("classes")[0].GetProperty("tpotSlo").GetDouble(), 12);
        Assert.Equal("closed loop, 8 users", root.GetProperty("arrivals").GetString());
    }

    [Theory]
    [InlineData("--rate", "--rate", "2", "--concurrency", "4")]
    [InlineData("static, continuous, chunked", "--scheduler", "chunky")]
    [InlineData("Did you mean 'least-kv'", "--router", "least-kvv")]
    [InlineData("not found", "--trace", "no-such-trace.csv")]
    [InlineData("needs --disaggregate", "--prefill-tp", "2")]
    [InlineData("is neither a preset", "--workload", "chatt")]
    [InlineData("must not be negative", "--ttft-slo", "-5 ms")]
    [InlineData("--rate-sweep", "--rate-sweep", "1,x")]
    [InlineData("impossible plan", "--tp", "3")]
    public void Bad_input_exits_2_with_a_message(string words, params string[] args)
    {
        var (code, _, err) = Run([.. Base, .. args, "--requests", "10"]);
        Assert.Equal(Cli.BadInput, code);
        Assert.Contains(words, err);
        Assert.DoesNotContain("   at ", err);
    }

    [Fact]
    public void A_broken_workload_file_names_file_line_and_field()
    {
        string file = Temp(".yaml");
        File.WriteAllText(file, "classes:\n  - input: {dist: normal, mean: 100}\n    output: {dist: fixed, value: 10}\n");
        try
        {
            var (code, _, err) = Run([.. Base, "--workload", file, "--requests", "10"]);
            Assert.Equal(Cli.BadInput, code);
            Assert.Contains(":2: classes[0].input.sd:", err);
        }
        finally { File.Delete(file); }
    }
}

/// <summary>Progress lines go to stderr on an interactive terminal only, never into the data on stdout.</summary>
public class SimulateProgressTests
{
    [Fact]
    public void Progress_says_the_share_done_the_time_elapsed_and_about_how_long_is_left()
    {
        // A quarter done after some time: the line gives 25%, the elapsed time and about three times it left.
        var err = new StringWriter();
        using (var line = new ProgressLine(err, "simulating"))
        {
            Thread.Sleep(150);   // the line redraws at most ten times a second
            line.Report(0.25, "750 of 3,000 requests");
        }
        Assert.Matches(@"simulating: 25% \(750 of 3,000 requests\), [0-9.]+ m?s elapsed, about [0-9.]+ m?s left", err.ToString());
    }

    [Fact]
    public void Progress_shows_only_when_interactive_and_only_on_stderr()
    {
        string[] args = ["simulate", "--model", "llama-3.1-8b", "--hardware", "h100-sxm", "--rate", "5", "--requests", "300", "--format", "json",
            "--hardware-dir", RepoPaths.HardwareDir, "--models-dir", RepoPaths.ModelsDir];
        var quietOut = new StringWriter();
        var quietErr = new StringWriter();
        Assert.Equal(0, Cli.Run(args, quietOut, quietErr, interactive: false));
        var loudOut = new StringWriter();
        var loudErr = new StringWriter();
        Assert.Equal(0, Cli.Run(args, loudOut, loudErr, interactive: true));
        Assert.Equal("", quietErr.ToString());
        Assert.Contains("simulating: ", loudErr.ToString());
        Assert.Equal(quietOut.ToString(), loudOut.ToString());
    }
}
