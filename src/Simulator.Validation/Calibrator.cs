using Simulator.Core.Loading;
using Simulator.Core.Specs;
using Simulator.Roofline;

namespace Simulator.Validation;

/// <summary>What a calibration found for one device.</summary>
public sealed record Calibration(
    string Device,
    string Source,
    double? LaunchOverheadSeconds,
    IReadOnlyDictionary<DataType, EfficiencyCurve> Gemm,
    EfficiencyCurve? Memory,
    IReadOnlyDictionary<string, CrossValidation> CrossValidation,
    IReadOnlyDictionary<string, (double P10, double P90)> ResidualBands)
{
    /// <summary>Intra-node link as NCCL-style all-reduce actually behaves on this device (fitted alpha and beta); null when not measured.</summary>
    public Interconnect? IntraNodeLink { get; init; }
}

/// <summary>k-fold cross-validated median absolute % error before (profile constants) and after (fitted curves).</summary>
public sealed record CrossValidation(int Rows, double BeforeMedianAbsPct, double AfterMedianAbsPct, double AfterP90AbsPct);

/// <summary>
/// Fits efficiency curves from measured GEMM and memory-bandwidth rows of one device. Each row's implied
/// efficiency is computed from the roofline term that dominates it (compute for GEMMs above the ridge point,
/// memory otherwise) after subtracting the launch overhead; a three-parameter saturating curve over
/// log10(size) is then fitted by least squares (MathNet.Numerics Fit.Curve). k-fold cross-validation reports
/// the error on rows the fit never saw, so a curve that memorises its data shows up as a gap between folds.
/// </summary>
public static class Calibrator
{
    private sealed record Sample(MeasuredRow Row, double Size, double Work, double Bytes, double Seconds, DataType? Type, bool ComputeDominant);

    public static Calibration Fit(HardwareProfile device, IReadOnlyList<MeasuredRow> rows, string source, int folds = 5, Interconnect? intraNode = null)
    {
        var constants = ConstantEfficiency.For(device);
        var launchRows = rows.Where(r => r.Benchmark == "launch" && (r.Dtype is "" or "async") && r.Metric == "seconds").Select(r => r.Value).ToArray();
        double launch = launchRows.Length > 0 ? ErrorStats.Quantile(launchRows, 0.5) : device.LaunchOverheadSeconds;
        var samples = Samples(device, rows);
        var gemmCurves = new Dictionary<DataType, EfficiencyCurve>();
        foreach (var g in samples.Where(s => s.Type is not null && s.ComputeDominant).GroupBy(s => s.Type!.Value))
            if (FitCurve(g.ToList(), device, launch) is { } c) gemmCurves[g.Key] = c;
        var memSamples = samples.Where(s => !s.ComputeDominant).ToList();
        var memCurve = FitCurve(memSamples, device, launch, memory: true);

        var cv = new Dictionary<string, CrossValidation>();
        var bands = new Dictionary<string, (double, double)>();
        foreach (var family in new[] { "gemm", "membw" })
        {
            var fam = samples.Where(s => s.Row.Benchmark == family).ToList();
            if (fam.Count < folds * 2) continue;
            var before = fam.Select(s => Pct(Predict(s, device, constants, device.LaunchOverheadSeconds), s.Seconds)).ToArray();
            var after = new List<double>();
            var signed = new List<double>();
            for (int f = 0; f < folds; f++)
            {
                var test = fam.Where((s, i) => i % folds == f).ToList();
                var held = new HashSet<Sample>(test, ReferenceEqualityComparer.Instance);
                var train = samples.Where(s => !held.Contains(s)).ToList();
                var eff = Build(device, train, launch, constants);
                foreach (var s in test)
                {
                    double p = Predict(s, device, eff, launch);
                    after.Add(Pct(p, s.Seconds));
                    signed.Add((p - s.Seconds) / s.Seconds * 100);
                }
            }
            cv[family] = new CrossValidation(fam.Count, ErrorStats.Quantile(before, 0.5), ErrorStats.Quantile(after.ToArray(), 0.5), ErrorStats.Quantile(after.ToArray(), 0.9));
            bands[family] = (ErrorStats.Quantile(signed.ToArray(), 0.1), ErrorStats.Quantile(signed.ToArray(), 0.9));
        }
        Interconnect? link = null;
        var ar = rows.Where(r => r.Benchmark == "allreduce" && r.Metric == "seconds" && r.Bytes is > 0 && r.Tp is > 1).ToList();
        if (intraNode is not null && ar.Count >= 4)
        {
            link = FitLink(ar, intraNode);
            if (link is not null && ar.Count >= folds * 2)
            {
                var before = ar.Select(r => Pct(Collectives.AllReduce(r.Bytes!.Value, r.Tp!.Value, intraNode), r.Value)).ToArray();
                var after = new List<double>();
                var signed = new List<double>();
                for (int f = 0; f < folds; f++)
                {
                    var train = ar.Where((r, i) => i % folds != f).ToList();
                    var fold = FitLink(train, intraNode) ?? intraNode;
                    foreach (var r in ar.Where((r, i) => i % folds == f))
                    {
                        double pr = Collectives.AllReduce(r.Bytes!.Value, r.Tp!.Value, fold);
                        after.Add(Pct(pr, r.Value));
                        signed.Add((pr - r.Value) / r.Value * 100);
                    }
                }
                cv["allreduce"] = new CrossValidation(ar.Count, ErrorStats.Quantile(before, 0.5), ErrorStats.Quantile(after.ToArray(), 0.5), ErrorStats.Quantile(after.ToArray(), 0.9));
                bands["allreduce"] = (ErrorStats.Quantile(signed.ToArray(), 0.1), ErrorStats.Quantile(signed.ToArray(), 0.9));
            }
        }
        return new Calibration(device.Name, source, launchRows.Length > 0 ? launch : null, gemmCurves, memCurve, cv, bands) { IntraNodeLink = link };
    }

    /// <summary>
    /// Fits the ring all-reduce model t = 2(p-1)·alpha + 2(p-1)/p · bytes / beta to measured rows by linear least
    /// squares in (alpha, 1/beta), each row divided by its own time so that small and large messages weigh the
    /// same in relative terms (MathNet.Numerics multiple regression).
    /// </summary>
    private static Interconnect? FitLink(List<MeasuredRow> rows, Interconnect template)
    {
        var x = rows.Select(r => new[] { 2.0 * (r.Tp!.Value - 1) / r.Value, 2.0 * (r.Tp!.Value - 1) / r.Tp!.Value * r.Bytes!.Value / r.Value }).ToArray();
        var y = rows.Select(_ => 1.0).ToArray();
        try
        {
            var p = MathNet.Numerics.LinearRegression.MultipleRegression.NormalEquations(x, y, intercept: false);
            double alpha = p[0], invBeta = p[1];
            if (!(invBeta > 0) || !double.IsFinite(alpha)) return null;
            return template with { Name = template.Name, DisplayName = template.DisplayName + " (calibrated)", LatencySeconds = Math.Max(0, alpha), BandwidthBytesPerSecond = 1 / invBeta, Source = "fitted by llmsim calibrate from all-reduce measurements" };
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            return null;
        }
    }

    private static IEfficiencyModel Build(HardwareProfile device, List<Sample> train, double launch, ConstantEfficiency constants)
    {
        var curves = new Dictionary<DataType, EfficiencyCurve>();
        foreach (var g in train.Where(s => s.Type is not null && s.ComputeDominant).GroupBy(s => s.Type!.Value))
            if (FitCurve(g.ToList(), device, launch) is { } c) curves[g.Key] = c;
        return new CurveEfficiency(curves, FitCurve(train.Where(s => !s.ComputeDominant).ToList(), device, launch, memory: true), constants, "fold");
    }

    private static double Pct(double predicted, double measured) => Math.Abs(predicted - measured) / measured * 100;

    private static double Predict(Sample s, HardwareProfile d, IEfficiencyModel eff, double launch)
    {
        if (s.Type is DataType t)
        {
            double m = s.Row.M!.Value, n = s.Row.N!.Value, k = s.Row.K!.Value;
            return KernelTime.Seconds(s.Work, s.Bytes, d.PeakOpsPerSecond[t], eff.Gemm(t, m, n, k), d.MemoryBandwidthBytesPerSecond, eff.Memory(s.Bytes), launch);
        }
        return KernelTime.Seconds(0, s.Bytes, 1, 1, d.MemoryBandwidthBytesPerSecond, eff.Memory(s.Bytes), launch);
    }

    /// <summary>Rows turned into (work, bytes, measured seconds), with which roof dominates at full efficiency.</summary>
    private static List<Sample> Samples(HardwareProfile d, IReadOnlyList<MeasuredRow> rows)
    {
        var list = new List<Sample>();
        foreach (var r in rows)
        {
            if (r.Benchmark == "gemm" && r.M is double m && r.N is double n && r.K is double k && DataTypes.TryParse(r.Dtype, out var t) && d.Supports(t))
            {
                double flops = 2 * m * n * k;
                double bytes = r.Bytes ?? (m * k + k * n) * t.Bytes() + m * n * (t == DataType.Int8 ? 4 : 2);
                double? sec = r.Metric switch { "seconds" => r.Value, "tflops" => flops / (r.Value * 1e12), _ => null };
                if (sec is not double s) continue;
                bool compute = flops / d.PeakOpsPerSecond[t] >= bytes / d.MemoryBandwidthBytesPerSecond;
                list.Add(new Sample(r, compute ? flops : bytes, flops, bytes, s, t, compute));
            }
            else if (r.Benchmark == "membw" && r.Bytes is double b)
            {
                double? sec = r.Metric switch { "seconds" => r.Value, "gbps" => b / (r.Value * 1e9), _ => null };
                if (sec is double s) list.Add(new Sample(r, b, 0, b, s, null, false));
            }
        }
        return list;
    }

    /// <summary>Least-squares fit of e(x) = max / (1 + exp(-slope (x - half))) to the samples' implied efficiencies.</summary>
    private static EfficiencyCurve? FitCurve(List<Sample> samples, HardwareProfile d, double launch, bool memory = false)
    {
        var xs = new List<double>();
        var ys = new List<double>();
        foreach (var s in samples)
        {
            double busy = s.Seconds - launch;
            if (busy <= 0) continue;
            double ideal = memory ? s.Bytes / d.MemoryBandwidthBytesPerSecond : s.Work / d.PeakOpsPerSecond[s.Type!.Value];
            double e = ideal / busy;
            if (e is > 0 and < 1.5) { xs.Add(Math.Log10(s.Size)); ys.Add(Math.Min(e, 1.0)); }
        }
        if (xs.Count < 4) return null;
        double maxGuess = ErrorStats.Quantile(ys.ToArray(), 0.9);
        double halfGuess = ErrorStats.Quantile(xs.ToArray(), 0.25);
        try
        {
            var (max, half, slope) = MathNet.Numerics.Fit.Curve(xs.ToArray(), ys.ToArray(),
                (a, h, k, x) => a / (1 + Math.Exp(-k * (x - h))), maxGuess, halfGuess, 2.0, 1e-9, 2000);
            if (!double.IsFinite(max) || !double.IsFinite(half) || !double.IsFinite(slope) || max <= 0) return null;
            // A negative slope would mean bigger kernels are less efficient: not physical here; fall back to a flat curve.
            if (slope < 0) return new EfficiencyCurve(Math.Min(ErrorStats.Quantile(ys.ToArray(), 0.5), 1.0), 0, 50);
            return new EfficiencyCurve(Math.Min(max, 1.0), half, Math.Min(slope, 50));
        }
        catch (Exception e) when (e is ArgumentException or MathNet.Numerics.NonConvergenceException or MathNet.Numerics.Optimization.MaximumIterationsException)
        {
            return null;
        }
    }
}
