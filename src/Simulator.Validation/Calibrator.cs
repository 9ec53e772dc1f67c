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

    /// <summary>What the fit decided and why (components left out, parameters at a bound); written as comments.</summary>
    public IReadOnlyList<string> Notes { get; init; } = [];

    /// <summary>Whether the calibration changes anything (a curve, a launch overhead or a link).</summary>
    public bool HasAny => LaunchOverheadSeconds is not null || Gemm.Count > 0 || Memory is not null || IntraNodeLink is not null;
}

/// <summary>k-fold cross-validated median absolute % error before (profile constants) and after (the fitted components kept), on held-out rows.</summary>
public sealed record CrossValidation(int Rows, double BeforeMedianAbsPct, double AfterMedianAbsPct, double AfterP90AbsPct);

/// <summary>One fitted part of a calibration (the launch overhead, the memory curve, one data type's GEMM curve, the all-reduce link) and whether it was kept.</summary>
/// <param name="Family">The benchmark family it is fitted on.</param>
/// <param name="HeldOut">Per family: median absolute % error on held-out rows without it and with it.</param>
public sealed record ComponentDecision(string Component, string Family, bool Kept, string Reason, IReadOnlyDictionary<string, (double Without, double With)> HeldOut);

/// <summary>A calibration and the decisions that made it.</summary>
public sealed record CalibrationReport(Calibration Calibration, IReadOnlyList<ComponentDecision> Decisions, IReadOnlyList<string> BoundHits);

/// <summary>
/// Fits a device's calibration from its measured rows, and keeps only what helps. Candidate components are the launch
/// overhead (median of eager launch timings), a memory-bandwidth efficiency curve (stream and memory-bound GEMM rows),
/// one GEMM efficiency curve per data type (compute-bound GEMM rows), and the all-reduce link (alpha and beta). Each
/// curve is e(x) = max / (1 + exp(−slope (x − half))) over log10 of the kernel's size, fitted by least squares
/// (MathNet.Numerics Fit.Curve).
/// <para>
/// Every decision is taken on held-out data. Rows are split into k folds; each candidate set of components is fitted on
/// the other folds and predicts the held-out fold with the full predictor, so a GEMM curve is also judged by the
/// attention, layer and end-to-end rows it changes. Components are added one at a time (launch, memory, GEMM per data
/// type, all-reduce): one is kept only when it lowers the held-out median error of its own family and raises no other
/// family's by more than <see cref="Tolerance"/>. Components that do not improve held-out error are left out and said so;
/// a parameter that ends at a bound is reported.
/// </para>
/// </summary>
public static class Calibrator
{
    /// <summary>How much (percentage points, or this share of its value when larger) a family's held-out median error may rise when a component is kept.</summary>
    public const double Tolerance = 1.0;

    /// <summary>Largest slope a curve may take (a step function is not physical; a fit at this bound is reported).</summary>
    public const double MaxSlope = 50;

    private sealed record Sample(MeasuredRow Row, double Size, double Work, double Bytes, double Seconds, DataType? Type, bool ComputeDominant);

    /// <summary>The fitted values of one candidate set of components.</summary>
    private sealed record Fitted(double? Launch, Dictionary<DataType, EfficiencyCurve> Gemm, EfficiencyCurve? Memory, Interconnect? Link);

    /// <summary>Fits and cross-validates; see the class remarks.</summary>
    /// <param name="library">Resolves the models of layer and end-to-end rows (null: those rows are not predicted).</param>
    /// <param name="deviceMap">Maps device labels in the rows to profile names (as validate's --device-map).</param>
    public static CalibrationReport Fit(HardwareProfile device, IReadOnlyList<MeasuredRow> rows, string source, int folds = 5, Interconnect? intraNode = null,
        SpecLibrary? library = null, IReadOnlyDictionary<string, string>? deviceMap = null)
    {
        if (folds < 2) throw new ArgumentException("cross-validation needs at least 2 folds");
        var distinct = MeasuredCsv.Distinct(rows);
        var constants = ConstantEfficiency.For(device);
        var samples = Samples(device, distinct);
        var gemmTypes = samples.Where(s => s.Type is not null && s.ComputeDominant).Select(s => s.Type!.Value).Distinct().Order().ToList();
        var candidates = new List<(string Name, string Family)> { ("launch overhead", BenchmarkFamily.Launch.Name()), ("memory curve", BenchmarkFamily.Membw.Name()) };
        candidates.AddRange(gemmTypes.Select(t => ($"gemm {t.Name()} curve", BenchmarkFamily.Gemm.Name())));
        if (intraNode is not null) candidates.Add(("all-reduce link", BenchmarkFamily.Allreduce.Name()));

        // Fold of each row: every k-th measurement.
        var fold = new Dictionary<MeasuredRow, int>(ReferenceEqualityComparer.Instance);
        for (int i = 0; i < distinct.Count; i++) fold[distinct[i]] = i % folds;
        var fits = new Fitted[folds];
        var train = new List<MeasuredRow>[folds];
        for (int f = 0; f < folds; f++)
        {
            train[f] = distinct.Where(r => fold[r] != f).ToList();
            fits[f] = FitAll(device, train[f], samples.Where(s => fold[s.Row] != f).ToList(), intraNode, device.LaunchOverheadSeconds);
        }

        // Held-out predictions of every row for a set of kept components.
        (Dictionary<string, List<double>> Abs, Dictionary<string, List<double>> Signed) Evaluate(HashSet<string> kept)
        {
            var abs = new Dictionary<string, List<double>>();
            var signed = new Dictionary<string, List<double>>();
            for (int f = 0; f < folds; f++)
            {
                var cal = Select(device, fits[f], kept, source);
                var predictor = PredictorFor(device, cal, library, deviceMap);
                foreach (var r in distinct.Where(r => fold[r] == f))
                {
                    var c = predictor.Compare(r);
                    if (c.Predicted is null) continue;
                    (abs.TryGetValue(r.Benchmark, out var a) ? a : abs[r.Benchmark] = []).Add(c.AbsPctError);
                    (signed.TryGetValue(r.Benchmark, out var s) ? s : signed[r.Benchmark] = []).Add(c.SignedPctError);
                }
            }
            return (abs, signed);
        }
        static Dictionary<string, double> Medians(Dictionary<string, List<double>> abs) =>
            abs.ToDictionary(kv => kv.Key, kv => ErrorStats.Quantile(kv.Value.ToArray(), 0.5));

        var keep = new HashSet<string>(StringComparer.Ordinal);
        var (beforeAbs, _) = Evaluate(keep);
        var before = Medians(beforeAbs);
        var current = before;
        var decisions = new List<ComponentDecision>();
        foreach (var (name, family) in candidates)
        {
            if (fits.All(f => !Has(f, name)))
            {
                decisions.Add(new ComponentDecision(name, family, false, "not fitted: too few usable rows", new Dictionary<string, (double, double)>()));
                continue;
            }
            var trial = new HashSet<string>(keep, StringComparer.Ordinal) { name };
            var with = Medians(Evaluate(trial).Abs);
            var change = with.Keys.Union(current.Keys).Order(StringComparer.Ordinal)
                .ToDictionary(k => k, k => (current.GetValueOrDefault(k, double.NaN), with.GetValueOrDefault(k, double.NaN)));
            bool ownMeasured = current.ContainsKey(family) && with.ContainsKey(family) && beforeAbs.GetValueOrDefault(family)?.Count >= folds;
            bool ownImproves = ownMeasured && with[family] < current[family] - 0.05;
            var worse = change.Where(kv => double.IsFinite(kv.Value.Item1) && double.IsFinite(kv.Value.Item2)
                && kv.Value.Item2 > kv.Value.Item1 + Math.Max(Tolerance, 0.05 * kv.Value.Item1)).Select(kv => kv.Key).ToList();
            string reason;
            bool accept;
            if (worse.Count > 0)
            {
                accept = false;
                reason = "left out: held-out error rises for " + string.Join(", ", worse.Select(w => $"{w} ({change[w].Item1:0.#}% → {change[w].Item2:0.#}%)"));
            }
            else if (ownMeasured && !ownImproves)
            {
                accept = false;
                reason = $"left out: held-out {family} error does not improve ({current[family]:0.#}% → {with[family]:0.#}%)";
            }
            else if (!ownMeasured)
            {
                // Too few rows of its own family to cross-validate it (one launch timing): keep it only if nothing else gets worse and something gets better.
                accept = change.Any(kv => kv.Value.Item2 < kv.Value.Item1 - 0.05);
                reason = accept ? $"kept: too few {family} rows to hold out, and no family's held-out error rises" : $"left out: too few {family} rows to hold out, and it improves no family";
            }
            else
            {
                accept = true;
                reason = $"kept: held-out {family} error {current[family]:0.#}% → {with[family]:0.#}%";
            }
            decisions.Add(new ComponentDecision(name, family, accept, reason, change));
            if (accept) { keep.Add(name); current = with; }
        }

        // The kept components, fitted on every row; held-out error with them, per family.
        var (afterAbs, afterSigned) = Evaluate(keep);
        var all = FitAll(device, distinct.ToList(), samples, intraNode, device.LaunchOverheadSeconds);
        var cv = new Dictionary<string, CrossValidation>();
        var bands = new Dictionary<string, (double, double)>();
        foreach (var (family, errs) in afterAbs)
        {
            var b = beforeAbs.GetValueOrDefault(family) ?? [];
            cv[family] = new CrossValidation(errs.Count, ErrorStats.Quantile(b.ToArray(), 0.5), ErrorStats.Quantile(errs.ToArray(), 0.5), ErrorStats.Quantile(errs.ToArray(), 0.9));
            var sg = afterSigned[family].ToArray();
            bands[family] = (ErrorStats.Quantile(sg, 0.1), ErrorStats.Quantile(sg, 0.9));
        }
        var final = Select(device, all, keep, source) with { CrossValidation = cv, ResidualBands = bands };
        var hits = BoundHits(all, keep, samples);
        var notes = decisions.Select(d => $"{d.Component}: {d.Reason}").Concat(hits.Select(h => "bound: " + h)).ToList();
        return new CalibrationReport(final with { Notes = notes }, decisions, hits);
    }

    private static bool Has(Fitted f, string component) => component switch
    {
        "launch overhead" => f.Launch is not null,
        "memory curve" => f.Memory is not null,
        "all-reduce link" => f.Link is not null,
        _ when component.StartsWith("gemm ", StringComparison.Ordinal) => DataTypes.TryParse(component.Split(' ')[1], out var t) && f.Gemm.ContainsKey(t),
        _ => false,
    };

    /// <summary>A calibration holding only the kept components of a fit.</summary>
    private static Calibration Select(HardwareProfile device, Fitted f, HashSet<string> keep, string source)
    {
        var gemm = f.Gemm.Where(kv => keep.Contains($"gemm {kv.Key.Name()} curve")).ToDictionary(kv => kv.Key, kv => kv.Value);
        return new Calibration(device.Name, source, keep.Contains("launch overhead") ? f.Launch : null, gemm, keep.Contains("memory curve") ? f.Memory : null,
            new Dictionary<string, CrossValidation>(), new Dictionary<string, (double, double)>())
        { IntraNodeLink = keep.Contains("all-reduce link") ? f.Link : null };
    }

    private static Predictor PredictorFor(HardwareProfile device, Calibration cal, SpecLibrary? library, IReadOnlyDictionary<string, string>? deviceMap)
    {
        var lib = library ?? new SpecLibrary(Path.GetTempPath(), Path.GetTempPath());
        var fixedDevice = library is null ? device : null;
        return new Predictor(lib, d => d.Name == device.Name ? CalibrationFile.Apply(d, cal) : (d, ConstantEfficiency.For(d)), deviceMap)
        {
            AdjustCluster = c => c.Device.Name == device.Name ? CalibrationFile.Apply(c, cal) : c,
            DeviceOverride = fixedDevice,
        };
    }

    /// <summary>Every candidate component fitted on the given rows (null where too few rows).</summary>
    private static Fitted FitAll(HardwareProfile device, List<MeasuredRow> rows, List<Sample> samples, Interconnect? intraNode, double profileLaunch)
    {
        var launchRows = rows.Where(r => r.Family == BenchmarkFamily.Launch && (r.Dtype is "" or "async") && r.Metric == "seconds").Select(r => r.Value).ToArray();
        double? launch = launchRows.Length > 0 ? ErrorStats.Quantile(launchRows, 0.5) : null;
        double l = launch ?? profileLaunch;
        var gemm = new Dictionary<DataType, EfficiencyCurve>();
        foreach (var g in samples.Where(s => s.Type is not null && s.ComputeDominant).GroupBy(s => s.Type!.Value))
            if (FitCurve(g.ToList(), device, l) is { } c) gemm[g.Key] = c;
        var memory = FitCurve(samples.Where(s => !s.ComputeDominant).ToList(), device, l, memory: true);
        Interconnect? link = null;
        var ar = rows.Where(r => r.Family == BenchmarkFamily.Allreduce && r.Metric == "seconds" && r.Bytes is > 0 && r.Tp is > 1).ToList();
        if (intraNode is not null && ar.Count >= 4) link = FitLink(ar, intraNode);
        return new Fitted(launch, gemm, memory, link);
    }

    /// <summary>Parameters of the final fit that ended at a bound, or a curve's midpoint outside the sizes it was fitted on.</summary>
    private static List<string> BoundHits(Fitted f, HashSet<string> keep, List<Sample> samples)
    {
        var hits = new List<string>();
        void Check(string name, EfficiencyCurve c, IEnumerable<Sample> from)
        {
            string state = keep.Contains(name) ? "kept" : "left out";
            if (c.Slope >= MaxSlope && c.HalfLog10 > 0) hits.Add($"{name} ({state}): slope at its bound {MaxSlope} (a step, not a curve)");
            if (c.Max >= 1.0) hits.Add($"{name} ({state}): max efficiency at its bound 1.0 (faster than the datasheet peak allows)");
            var xs = from.Select(s => Math.Log10(s.Size)).ToArray();
            if (xs.Length > 0 && (c.HalfLog10 < xs.Min() - 1 || c.HalfLog10 > xs.Max() + 1))
                hits.Add($"{name} ({state}): midpoint 10^{c.HalfLog10:0.##} lies outside the measured sizes 10^{xs.Min():0.#}..10^{xs.Max():0.#} (extrapolated)");
        }
        foreach (var (t, c) in f.Gemm) Check($"gemm {t.Name()} curve", c, samples.Where(s => s.Type == t && s.ComputeDominant));
        if (f.Memory is { } m) Check("memory curve", m, samples.Where(s => !s.ComputeDominant));
        return hits;
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

    /// <summary>Rows turned into (work, bytes, measured seconds), with which roof dominates at full efficiency. Only rows the predictor models.</summary>
    private static List<Sample> Samples(HardwareProfile d, IReadOnlyList<MeasuredRow> rows)
    {
        var list = new List<Sample>();
        foreach (var r in rows)
        {
            if (r.Family == BenchmarkFamily.Gemm && r.M is double m && r.N is double n && r.K is double k && DataTypes.TryParse(r.Dtype, out var t) && d.Supports(t))
            {
                double flops = 2 * m * n * k;
                double bytes = r.Bytes ?? KernelTime.GemmBytes(m, n, k, t);
                double? sec = r.Metric switch { "seconds" => r.Value, "tflops" => flops / (r.Value * 1e12), "gbps" => bytes / (r.Value * 1e9), _ => null };
                if (sec is not double s) continue;
                bool compute = flops / d.PeakOpsPerSecond[t] >= bytes / d.MemoryBandwidthBytesPerSecond;
                list.Add(new Sample(r, compute ? flops : bytes, flops, bytes, s, t, compute));
            }
            else if (r.Family == BenchmarkFamily.Membw && r.Bytes is double b)
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
            if (slope < 0) return new EfficiencyCurve(Math.Min(ErrorStats.Quantile(ys.ToArray(), 0.5), 1.0), 0, MaxSlope);
            return new EfficiencyCurve(Math.Min(max, 1.0), half, Math.Min(slope, MaxSlope));
        }
        catch (Exception e) when (e is ArgumentException or MathNet.Numerics.NonConvergenceException or MathNet.Numerics.Optimization.MaximumIterationsException)
        {
            return null;
        }
    }
}
