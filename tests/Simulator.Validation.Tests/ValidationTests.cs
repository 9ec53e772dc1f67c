using Simulator.Core.Loading;
using Simulator.Core.Specs;
using Simulator.Roofline;
using Simulator.Tests;

namespace Simulator.Validation.Tests;

public class MeasuredCsvTests
{
    private const string Header = "benchmark,device,dtype,model,tp,m,n,k,bytes,batch,input_tokens,output_tokens,context_tokens,metric,value,unit,source\n";

    [Fact]
    public void Broken_and_unknown_rows_are_counted_with_line_numbers()
    {
        string text = Header
            + "gemm,h100-sxm,bf16,,,4096,4096,4096,,,,,,seconds,0.0002,s,test\n"      // line 2: good
            + "gemm,h100-sxm,bf16,,,4096,4096\n"                                       // line 3: too few cells
            + "warpspeed,h100-sxm,,,,,,,,,,,,seconds,1,s,test\n"                        // line 4: unknown benchmark
            + "membw,h100-sxm,,,,,,,1e9,,,,,gbps,2900,TB/s,test\n"                      // line 5: wrong unit
            + "membw,h100-sxm,,,,,,,abc,,,,,gbps,2900,GB/s,test\n"                      // line 6: not a number
            + "membw,h100-sxm,,,,,,,1e9,,,,,seconds,-1,s,test\n";                       // line 7: negative value
        var r = MeasuredCsv.Parse("x.csv", text);
        Assert.Single(r.Rows);
        Assert.Equal(1, r.UnknownBenchmarkRows);
        Assert.Equal(new[] { 3, 4, 5, 6, 7 }, r.Problems.Select(p => p.Line).ToArray());
    }

    [Fact]
    public void Missing_header_columns_are_reported()
    {
        var r = MeasuredCsv.Parse("x.csv", "benchmark,device\ngemm,h100\n");
        Assert.Empty(r.Rows);
        Assert.Contains("header lacks", Assert.Single(r.Problems).Message);
    }

    [Fact]
    public void Quoted_cells_may_hold_commas_quotes_and_line_breaks_and_later_rows_keep_their_lines()
    {
        string text = Header
            + "gemm,h100-sxm,bf16,,,4096,4096,4096,,,,,,seconds,0.0002,\"s\",\"run 1, \"\"warm\"\"\"\n"   // line 2
            + "gemm,h100-sxm,bf16,,,8192,8192,8192,,,,,,seconds,0.0015,s,\"first line\nsecond line\"\n"  // lines 3-4: one row
            + "# a comment\n"                                                                           // line 5
            + "gemm,h100-sxm,bf16,,,8192\n";                                                            // line 6: too few cells
        var r = MeasuredCsv.Parse("x.csv", text);
        Assert.Equal(2, r.Rows.Count);
        Assert.Equal("run 1, \"warm\"", r.Rows[0].Source);
        Assert.Equal("first line\nsecond line", r.Rows[1].Source);
        Assert.Equal([2, 3], r.Rows.Select(x => x.Line));
        Assert.Equal(6, Assert.Single(r.Problems).Line);
    }

    [Fact]
    public void A_bom_and_crlf_file_gives_the_same_rows_and_problems_as_the_clean_file()
    {
        string clean = File.ReadAllText(Path.Combine(RepoPaths.Root, "validation", "measured", "published", "vidur-a100-gemm.csv"));
        clean = clean.Replace("\r\n", "\n") + "gemm,h100-sxm,bf16,,,1,1\n";
        string folder = Path.Combine(Path.GetTempPath(), $"llmsim-crlf-{Guid.NewGuid():N}");
        Directory.CreateDirectory(folder);
        try
        {
            string a = Path.Combine(folder, "clean.csv"), b = Path.Combine(folder, "dirty.csv");
            File.WriteAllText(a, clean, new System.Text.UTF8Encoding(false));
            File.WriteAllText(b, clean.Replace("\n", "\r\n"), new System.Text.UTF8Encoding(true));
            Assert.Equal(0xEF, File.ReadAllBytes(b)[0]);
            var x = MeasuredCsv.Read(a);
            var y = MeasuredCsv.Read(b);
            Assert.True(x.Rows.Count > 1000);
            Assert.Equal(x.Rows, y.Rows.Select(row => row with { File = a }));
            Assert.Equal(x.Problems.Select(p => (p.Line, p.Field, p.Message)), y.Problems.Select(p => (p.Line, p.Field, p.Message)));
            Assert.Single(x.Problems);
            // The same text handed over as a string (BOM kept as U+FEFF) parses alike.
            var z = MeasuredCsv.Parse(a, "\uFEFF" + clean.Replace("\n", "\r\n"));
            Assert.Equal(x.Rows, z.Rows);
        }
        finally { Directory.Delete(folder, true); }
    }

    [Fact]
    public void Every_published_file_reads_without_a_broken_row()
    {
        foreach (var file in Directory.EnumerateFiles(Path.Combine(RepoPaths.Root, "validation", "measured"), "*.csv", SearchOption.AllDirectories))
        {
            // Serving benchmarks have their own schema (ServingReaderTests reads them).
            if (ServingFiles.IsServingCsv(file)) continue;
            var r = MeasuredCsv.Read(file);
            Assert.True(r.Problems.Count == 0, $"{file}: {string.Join("; ", r.Problems.Take(3))}");
            Assert.NotEmpty(r.Rows);
        }
    }
}

public class PredictorTests
{
    private static readonly SpecLibrary Lib = new(RepoPaths.HardwareDir, RepoPaths.ModelsDir);
    private static Predictor Plain() => new(Lib, d => (d, ConstantEfficiency.For(d)));

    private static MeasuredRow Row(string bench, string device, string dtype, double? m, double? n, double? k, double? bytes, string metric, double value, int? tp = null, string model = "", int? batch = null, int? input = null, int? output = null) =>
        new("t.csv", 2, bench, device, dtype, model, tp, m, n, k, bytes, batch, input, output, null, metric, value, metric == "tflops" ? "TFLOP/s" : metric == "gbps" ? "GB/s" : metric == "tokens_per_second" ? "tokens/s" : "s", "test");

    [Fact]
    public void Large_gemm_prediction_is_flops_over_derated_peak_plus_launch()
    {
        // 8192^3 bf16 on H100: 2 x 8192^3 = 1.0995e12 FLOP / (989.4e12 x 0.75) = 1.4817 ms, + 4 us launch.
        var c = Plain().Compare(Row("gemm", "h100-sxm", "bf16", 8192, 8192, 8192, null, "seconds", 0.0014));
        Assert.Equal(2.0 * 8192 * 8192 * 8192 / (989.4e12 * 0.75) + 4e-6, c.Predicted!.Value, 1e-9);
        Assert.Equal((c.Predicted!.Value - 0.0014) / 0.0014 * 100, c.SignedPctError, 9);
    }

    [Fact]
    public void Gpu_names_map_to_profiles_and_unknown_devices_are_skipped_with_a_reason()
    {
        Assert.NotNull(Plain().Compare(Row("membw", "NVIDIA H100 80GB HBM3", "", null, null, null, 1e9, "gbps", 2900)).Predicted);
        var skipped = Plain().Compare(Row("membw", "gh200", "", null, null, null, 1e9, "gbps", 2900));
        Assert.Null(skipped.Predicted);
        Assert.Contains("--device-map", skipped.Skipped);
    }

    [Fact]
    public void Allreduce_uses_the_clusters_intra_node_link()
    {
        // hgx-h100: nvlink4. 8 GPUs, 64 MiB.
        var link = Lib.Interconnect("nvlink4");
        var c = Plain().Compare(Row("allreduce", "h100-sxm", "fp16", null, null, null, 67_108_864, "seconds", 0.000322, tp: 8));
        Assert.Equal(Collectives.AllReduce(67_108_864, 8, link), c.Predicted!.Value, 12);
    }

    [Fact]
    public void E2e_rows_use_the_static_batch_estimate()
    {
        var c = Plain().Compare(Row("e2e", "h100-sxm", "bf16", null, null, null, null, "tpot_seconds", 0.007, tp: 1, model: "llama-3.1-8b", batch: 1, input: 512, output: 128));
        var d = Deployment.Create(Lib.Model("llama-3.1-8b"), Lib.Hardware("h100-sxm"), QuantizationScheme.Bf16, new Parallelism(1), Lib.DefaultCluster(Lib.Hardware("h100-sxm")));
        Assert.Equal(Estimator.Run(d, new Workload(1, 512, 128)).TpotSeconds, c.Predicted!.Value, 12);
    }

    [Fact]
    public void Summary_statistics_match_hand_computation()
    {
        // Errors +10, -20, +30 (%): median |e| = 20, bias (median signed) = +10, max 30.
        var rows = new[] { (1.1, 1.0), (0.8, 1.0), (1.3, 1.0) }
            .Select(p => new Comparison(Row("gemm", "h100-sxm", "bf16", 1, 1, 1, null, "seconds", p.Item2), "h100-sxm", p.Item1, null)).ToList();
        var s = Assert.Single(ErrorStats.Summarize(rows));
        Assert.Equal(20, s.MedianAbsPctError, 9);
        Assert.Equal(10, s.BiasPct, 9);
        Assert.Equal(30, s.MaxAbsPctError, 9);
        Assert.Equal(3, s.Count);
    }
}

public class CalibratorTests
{
    private static readonly SpecLibrary Lib = new(RepoPaths.HardwareDir, RepoPaths.ModelsDir);

    /// <summary>Synthetic measurements from a known curve: the fit must recover it and beat the constants on held-out rows.</summary>
    [Fact]
    public void Fit_recovers_a_known_efficiency_curve_and_cross_validation_shows_the_gain()
    {
        var h100 = Lib.Hardware("h100-sxm");
        var truth = new EfficiencyCurve(0.8, 9.5, 2.0);
        var memTruth = new EfficiencyCurve(0.9, 6.5, 2.5);
        var rows = new List<MeasuredRow>();
        int line = 2;
        foreach (int m in new[] { 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384 })
            foreach (var (n, k) in new[] { (4096, 4096), (14336, 4096), (4096, 14336), (6144, 4096), (8192, 8192) })
            {
                double flops = 2.0 * m * n * k, bytes = (m * (double)k + (double)k * n + m * (double)n) * 2;
                double t = KernelTime.Seconds(flops, bytes, 989.4e12, truth.At(flops), 3.35e12, memTruth.At(bytes), 5e-6);
                rows.Add(new MeasuredRow("s.csv", line++, "gemm", "h100-sxm", "bf16", "", null, m, n, k, null, null, null, null, null, "seconds", t, "s", "synthetic"));
            }
        for (double b = 1 << 20; b <= 4e9; b *= 2)
            rows.Add(new MeasuredRow("s.csv", line++, "membw", "h100-sxm", "", "", null, null, null, null, b, null, null, null, null, "seconds",
                KernelTime.Seconds(0, b, 1, 1, 3.35e12, memTruth.At(b), 5e-6), "s", "synthetic"));
        rows.Add(new MeasuredRow("s.csv", line++, "launch", "h100-sxm", "async", "", null, null, null, null, null, null, null, null, null, "seconds", 5e-6, "s", "synthetic"));

        var cal = Calibrator.Fit(h100, rows, "synthetic").Calibration;
        Assert.Equal(5e-6, cal.LaunchOverheadSeconds!.Value, 12);
        var g = cal.Gemm[DataType.Bf16];
        foreach (double f in new[] { 1e9, 1e10, 1e11, 1e12 })
            Assert.InRange(g.At(f) / truth.At(f), 0.9, 1.1);
        Assert.InRange(cal.Memory!.At(1e9) / memTruth.At(1e9), 0.9, 1.1);
        Assert.True(cal.CrossValidation["gemm"].AfterMedianAbsPct < cal.CrossValidation["gemm"].BeforeMedianAbsPct);
        Assert.True(cal.CrossValidation["gemm"].AfterMedianAbsPct < 5);
    }

    [Fact]
    public void Calibration_file_round_trips()
    {
        var cal = new Calibration("h100-sxm", "test", 4.5e-6, new Dictionary<DataType, EfficiencyCurve> { [DataType.Bf16] = new(0.8, 9.5, 2) },
            new EfficiencyCurve(0.9, 6.5, 2.5), new Dictionary<string, CrossValidation>(), new Dictionary<string, (double, double)> { ["gemm"] = (-5, 7) });
        string path = Path.Combine(Path.GetTempPath(), $"cal-{Guid.NewGuid():N}.yaml");
        try
        {
            File.WriteAllText(path, CalibrationFile.ToYaml(cal));
            var back = CalibrationFile.Load(path).OrThrow();
            Assert.Equal(cal.LaunchOverheadSeconds!.Value, back.LaunchOverheadSeconds!.Value, 12);
            Assert.Equal(cal.Gemm[DataType.Bf16], back.Gemm[DataType.Bf16]);
            Assert.Equal(cal.Memory, back.Memory);
            Assert.Equal((-5.0, 7.0), back.ResidualBands["gemm"]);
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void Broken_calibration_file_names_line_and_field()
    {
        string path = Path.Combine(Path.GetTempPath(), $"cal-{Guid.NewGuid():N}.yaml");
        try
        {
            File.WriteAllText(path, "device: h100-sxm\nmemory: {max: 2.5, half_log10: 6, slope: 2}\n");
            var r = CalibrationFile.Load(path);
            Assert.False(r.Ok);
            var e = Assert.Single(r.Errors);
            Assert.Equal("memory.max", e.Field);
            Assert.Equal(2, e.Line);
        }
        finally { File.Delete(path); }
    }
}

public class LinkCalibrationTests
{
    [Fact]
    public void All_reduce_fit_recovers_alpha_and_beta()
    {
        // Synthetic rows from a link with 5 us latency and 200 GB/s: the fit must recover both within 1%.
        var truth = new Interconnect("nvlink-test", "t", 200e9, 5e-6, Topology.Switch, "test");
        var rows = new List<MeasuredRow>();
        int line = 2;
        foreach (int p in new[] { 2, 4, 8 })
            for (double bytes = 1024; bytes <= 1 << 30; bytes *= 4)
                rows.Add(new MeasuredRow("s.csv", line++, "allreduce", "h100-sxm", "fp16", "", p, null, null, null, bytes, null, null, null, null, "seconds",
                    Collectives.AllReduce(bytes, p, truth), "s", "synthetic"));
        var datasheet = truth with { BandwidthBytesPerSecond = 450e9, LatencySeconds = 2e-6 };
        var lib = new SpecLibrary(RepoPaths.HardwareDir, RepoPaths.ModelsDir);
        var cal = Calibrator.Fit(lib.Hardware("h100-sxm"), rows, "synthetic", 5, datasheet, lib).Calibration;
        Assert.InRange(cal.IntraNodeLink!.BandwidthBytesPerSecond / 200e9, 0.99, 1.01);
        Assert.InRange(cal.IntraNodeLink.LatencySeconds / 5e-6, 0.99, 1.01);
        Assert.True(cal.CrossValidation["allreduce"].AfterMedianAbsPct < 1);
        Assert.True(cal.CrossValidation["allreduce"].BeforeMedianAbsPct > 10);
    }
}

public class ShippedCalibrationTests
{
    [Fact]
    public void Every_calibration_a_profile_references_loads_and_names_that_profile()
    {
        var lib = new SpecLibrary(RepoPaths.HardwareDir, RepoPaths.ModelsDir);
        int found = 0;
        foreach (var name in lib.HardwareNames)
        {
            var d = lib.Hardware(name);
            if (d.CalibrationPath is null) continue;
            var cal = CalibrationFile.Load(d.CalibrationPath).OrThrow();
            Assert.Equal(d.Name, cal.Device);
            found++;
        }
        Assert.True(found >= 3);
    }
}
