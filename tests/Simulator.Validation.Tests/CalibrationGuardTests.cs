using Simulator.Core.Loading;
using Simulator.Core.Specs;
using Simulator.Roofline;
using Simulator.Tests;

namespace Simulator.Validation.Tests;

/// <summary>
/// Calibration never ships a component that makes held-out predictions worse, judged on every family the predictor
/// covers, and says when a parameter ends at a bound. Before the "Trustworthy answers" issue, calibrating on the shipped
/// H200 run moved layer error from 16% to 118% (a bf16 curve with its slope at the clamp).
/// </summary>
public class CalibrationGuardTests
{
    private static readonly SpecLibrary Lib = new(RepoPaths.HardwareDir, RepoPaths.ModelsDir);

    [Fact]
    public void Calibrating_on_the_shipped_h200_run_worsens_no_family_on_held_out_rows()
    {
        string file = Path.Combine(RepoPaths.Root, "validation", "measured", "h200-sxm-2026-11-22.csv");
        var rows = MeasuredCsv.Read(file).Rows;
        var h200 = Lib.Hardware("h200-sxm");
        var report = Calibrator.Fit(h200, rows, "test", 5, Lib.DefaultCluster(h200).IntraNode, Lib);
        foreach (var (family, cv) in report.Calibration.CrossValidation)
            Assert.True(cv.AfterMedianAbsPct <= cv.BeforeMedianAbsPct + Calibrator.Tolerance, $"{family}: {cv.BeforeMedianAbsPct:0.0}% -> {cv.AfterMedianAbsPct:0.0}%");
        // The bf16 curve that broke layer predictions is fitted, found to hurt, left out, and its slope at the bound reported.
        var bf16 = Assert.Single(report.Decisions, d => d.Component == "gemm bf16 curve");
        Assert.False(bf16.Kept);
        Assert.False(report.Calibration.Gemm.ContainsKey(DataType.Bf16));
        Assert.Contains(report.BoundHits, h => h.StartsWith("gemm bf16 curve") && h.Contains("slope at its bound"));

        // Applied the way validate applies it, the written calibration keeps layer error where it was (within 1 point).
        var cal = report.Calibration;
        var with = new Predictor(Lib, d => d.Name == h200.Name ? CalibrationFile.Apply(d, cal) : (d, ConstantEfficiency.For(d)));
        var without = new Predictor(Lib, d => (d, ConstantEfficiency.For(d)));
        var layers = MeasuredCsv.Distinct(rows).Where(r => r.Benchmark == "layer").ToList();
        double Median(Predictor p) => ErrorStats.Quantile(layers.Select(p.Compare).Where(c => c.Predicted is not null).Select(c => c.AbsPctError).ToArray(), 0.5);
        Assert.InRange(Median(with), 0, Median(without) + 1.0);
    }

    [Fact]
    public void A_step_shaped_fit_is_flagged_not_passed_off_as_a_curve()
    {
        // GEMMs that reach 70% of peak above 10^10 FLOP and almost nothing below: the fit wants an infinite slope.
        var h100 = Lib.Hardware("h100-sxm");
        var rows = new List<MeasuredRow>();
        int line = 2;
        foreach (int m in new[] { 16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192 })
            foreach (int n in new[] { 4096, 8192 })
            {
                double flops = 2.0 * m * n * 4096;
                double eff = flops >= 1e10 ? 0.7 : 0.05;
                double t = flops / (989.4e12 * eff) + 4e-6;
                rows.Add(new MeasuredRow("s.csv", line++, "gemm", "h100-sxm", "bf16", "", null, m, n, 4096, null, null, null, null, null, "seconds", t, "s", "synthetic"));
            }
        var report = Calibrator.Fit(h100, rows, "synthetic");
        // Either the slope ends at its bound or the midpoint lands outside the sizes measured; both are said.
        Assert.Contains(report.BoundHits, h => h.StartsWith("gemm bf16 curve") && (h.Contains("at its bound") || h.Contains("outside the measured sizes")));
        Assert.Contains(report.Calibration.Notes, n => n.StartsWith("bound: gemm bf16 curve"));
    }

    [Fact]
    public void A_component_that_does_not_improve_its_family_is_left_out_and_nothing_is_claimed()
    {
        // Timings exactly as the profile's constants predict them: a fitted curve cannot do better, so none is kept.
        var h100 = Lib.Hardware("h100-sxm");
        var eff = ConstantEfficiency.For(h100);
        var rows = new List<MeasuredRow>();
        int line = 2;
        foreach (int m in new[] { 1024, 2048, 4096, 8192, 16384 })
            foreach (var (n, k) in new[] { (4096, 4096), (14336, 4096), (8192, 8192), (28672, 8192) })
            {
                double flops = 2.0 * m * n * k, bytes = (m * (double)k + (double)k * n + m * (double)n) * 2;
                double t = KernelTime.Seconds(flops, bytes, 989.4e12, eff.ComputeFraction, 3.35e12, eff.MemoryFraction, h100.LaunchOverheadSeconds);
                rows.Add(new MeasuredRow("s.csv", line++, "gemm", "h100-sxm", "bf16", "", null, m, n, k, null, null, null, null, null, "seconds", t, "s", "synthetic"));
            }
        var report = Calibrator.Fit(h100, rows, "synthetic");
        Assert.False(report.Calibration.HasAny);
        Assert.All(report.Decisions, d => Assert.False(d.Kept, d.Reason));
    }

    [Fact]
    public void Families_without_rows_are_not_fitted_and_say_so()
    {
        // Only large GEMMs, 20% slower than the constants predict: the GEMM curve may be fitted, but there is nothing to
        // fit a launch overhead or a memory curve to, so neither is fitted nor kept (a curve for a family the rows
        // cannot judge would be a guess).
        var h100 = Lib.Hardware("h100-sxm");
        var eff = ConstantEfficiency.For(h100);
        var rows = new List<MeasuredRow>();
        int line = 2;
        foreach (int m in new[] { 2048, 4096, 8192, 16384 })
            foreach (var (n, k) in new[] { (4096, 4096), (8192, 8192), (28672, 8192) })
            {
                double flops = 2.0 * m * n * k, bytes = (m * (double)k + (double)k * n + m * (double)n) * 2;
                double t = 1.2 * KernelTime.Seconds(flops, bytes, 989.4e12, eff.ComputeFraction, 3.35e12, eff.MemoryFraction, h100.LaunchOverheadSeconds);
                rows.Add(new MeasuredRow("s.csv", line++, "gemm", "h100-sxm", "bf16", "", null, m, n, k, null, null, null, null, null, "seconds", t, "s", "synthetic"));
            }
        var report = Calibrator.Fit(h100, rows, "synthetic");
        foreach (var name in new[] { "launch overhead", "memory curve" })
        {
            var d = Assert.Single(report.Decisions, x => x.Component == name);
            Assert.False(d.Kept);
            Assert.Equal("not fitted: too few usable rows", d.Reason);
        }
        Assert.Null(report.Calibration.Memory);
        Assert.Null(report.Calibration.LaunchOverheadSeconds);
    }

    [Fact]
    public void One_timing_written_as_seconds_tflops_and_gbps_counts_once()
    {
        MeasuredRow Row(string metric, double v, string unit) => new("g.csv", 2, "gemm", "h100-sxm", "bf16", "", null, 4096, 4096, 4096, null, null, null, null, null, metric, v, unit, "x");
        var rows = new[] { Row("tflops", 700, "TFLOP/s"), Row("seconds", 1.96e-4, "s"), Row("gbps", 500, "GB/s") };
        var one = Assert.Single(MeasuredCsv.Distinct(rows));
        Assert.Equal("seconds", one.Metric);
        var e2e = new MeasuredRow("e.csv", 3, "e2e", "h100-sxm", "bf16", "llama-3.1-8b", 1, null, null, null, null, 1, 128, 128, null, "ttft_seconds", 0.02, "s", "x");
        Assert.Equal(2, MeasuredCsv.Distinct([e2e, e2e with { Metric = "tpot_seconds", Value = 0.007 }]).Count); // different quantities stay
    }

    [Fact]
    public void Summaries_are_per_device_never_pooled()
    {
        var a = new MeasuredRow("g.csv", 2, "gemm", "h100-sxm", "bf16", "", null, 8192, 8192, 8192, null, null, null, null, null, "seconds", 1.5e-3, "s", "x");
        var b = a with { Device = "a100-80gb-sxm", Value = 4.5e-3 };
        var p = new Predictor(Lib, d => (d, ConstantEfficiency.For(d)));
        var s = ErrorStats.SummarizeByDevice([p.Compare(a), p.Compare(b)]);
        Assert.Equal(["a100-80gb-sxm", "h100-sxm"], s.Select(x => x.Device).ToArray());
        Assert.All(s, x => Assert.Equal(1, x.Count));
    }
}
