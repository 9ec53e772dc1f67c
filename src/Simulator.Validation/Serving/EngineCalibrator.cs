using System.Globalization;
using Simulator.Core.Loading;
using Simulator.Core.Specs;

namespace Simulator.Validation;

/// <summary>One fitted engine parameter: its name in the profile, the value before and after.</summary>
public sealed record EngineParameterFit(string Name, double Before, double After, string Unit);

/// <summary>What an engine calibration found and whether it is kept.</summary>
/// <param name="Profile">The calibrated profile (the base profile when the guard refused the fit).</param>
/// <param name="Kept">Whether the fit improved the held-out error (only then is it written).</param>
/// <param name="FitRuns">Runs the parameters were fitted on.</param>
/// <param name="HeldOutRuns">Runs kept out of the fit, on which it is judged.</param>
/// <param name="HeldOutBefore">Held-out comparisons with the base profile.</param>
/// <param name="HeldOutAfter">Held-out comparisons with the fitted profile.</param>
public sealed record EngineCalibration(EngineProfile Profile, bool Kept, string Reason, IReadOnlyList<EngineParameterFit> Parameters, int FitRuns, int HeldOutRuns,
    string Split, IReadOnlyList<ServingComparison> FitBefore, IReadOnlyList<ServingComparison> FitAfter,
    IReadOnlyList<ServingComparison> HeldOutBefore, IReadOnlyList<ServingComparison> HeldOutAfter);

/// <summary>
/// Fits an engine profile's overhead and kernel-efficiency parameters to serving runs, and keeps the fit only when it
/// lowers the error on runs it never saw.
/// <para>
/// Parameters: the multipliers on the device's GEMM, attention and memory efficiencies (kernel_efficiency), the CPU time
/// per step (a fixed part and a part per sequence) and, when served runs are present, the API server's time per request.
/// The objective is the mean |ln(predicted / measured)| over the metrics the targets are about (max-load output
/// throughput; TTFT, TPOT and mean ITL at low and moderate load), each of those groups weighing the same however many
/// rows it has. Latencies at high load (queueing near saturation, where the serving front end's own queues show) are
/// reported but not fitted: a fit chasing them slows every step and breaks the low-load latencies. It is minimised by coordinate descent (golden-section search on each parameter within physical bounds, two
/// sweeps): few parameters, each with a physical meaning, cannot memorise hundreds of runs.
/// </para>
/// <para>
/// The split: runs on <see cref="ServingValidator.HeldOutDevice"/> are held out when there are runs on other devices
/// too (the published set); otherwise every third run is held out. The fit is kept only when the held-out objective
/// falls and no targeted group's held-out median error rises by more than a point; otherwise the base profile stands
/// and the reason says why.
/// </para>
/// </summary>
public sealed class EngineCalibrator(ServingValidator validator, EngineProfile baseProfile, int maxRequestsDuringFit = 800, int maxFitRuns = 48)
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;
    private IReadOnlyList<ServingRecord> _all = [];

    /// <summary>The parameters searched: name, unit, bounds, getter and setter on a profile.</summary>
    private sealed record Parameter(string Name, string Unit, double Min, double Max, Func<EngineProfile, double> Get, Func<EngineProfile, double, EngineProfile> Set);

    private static readonly Parameter[] Kernel =
    [
        new("kernel_efficiency.memory", "x", 0.55, 1.2, p => p.Kernels.Memory, (p, v) => p with { Kernels = p.Kernels with { Memory = v } }),
        new("kernel_efficiency.gemm", "x", 0.5, 1.3, p => p.Kernels.Gemm, (p, v) => p with { Kernels = p.Kernels with { Gemm = v } }),
        new("kernel_efficiency.attention", "x", 0.3, 1.3, p => p.Kernels.Attention, (p, v) => p with { Kernels = p.Kernels with { Attention = v } }),
        new("overheads.step", "s", 0, 0.006, p => p.Overheads.StepSeconds, (p, v) => p with { Overheads = p.Overheads with { StepSeconds = v } }),
        new("overheads.step_per_request", "s", 0, 60e-6, p => p.Overheads.StepPerRequestSeconds, (p, v) => p with { Overheads = p.Overheads with { StepPerRequestSeconds = v } }),
    ];

    private static readonly Parameter Request =
        new("overheads.request", "s", 0, 0.04, p => p.Overheads.RequestSeconds, (p, v) => p with { Overheads = p.Overheads with { RequestSeconds = v } });

    /// <summary>Whether a comparison counts in the objective and the guard.</summary>
    public static bool Targeted(ServingComparison c) =>
        c.Predicted is double p && p > 0 && c.Measured > 0 && (c.Regime == ServingRegime.MaxLoadThroughput && c.Metric.StartsWith("output_throughput", StringComparison.Ordinal)
            || c.Regime is ServingRegime.LowLoad or ServingRegime.MediumLoad && (c.Family is "ttft" or "tpot" || c.Metric == "itl_mean"));

    private static string Group(ServingComparison c) => c.Regime == ServingRegime.MaxLoadThroughput ? "throughput" : $"{c.Regime}:{(c.Family == "itl" ? "tpot" : c.Family)}";

    /// <summary>Mean |ln(predicted/measured)| per group, groups weighted equally; +∞ when nothing is targeted.</summary>
    public static double Objective(IEnumerable<ServingComparison> comparisons)
    {
        var groups = comparisons.Where(Targeted).GroupBy(Group).Select(g => g.Average(c => Math.Abs(Math.Log(c.Predicted!.Value / c.Measured)))).ToList();
        return groups.Count == 0 ? double.PositiveInfinity : groups.Average();
    }

    /// <summary>Median |error| per targeted group.</summary>
    public static Dictionary<string, double> Medians(IEnumerable<ServingComparison> comparisons) =>
        comparisons.Where(Targeted).GroupBy(Group).ToDictionary(g => g.Key, g => ErrorStats.Quantile(g.Select(c => c.AbsPctError).ToArray(), 0.5));

    /// <summary>Splits runs into fit and held-out parts (see the class remarks) and says how.</summary>
    public static (List<ServingRecord> Fit, List<ServingRecord> HeldOut, string How) Split(IReadOnlyList<ServingRecord> runs)
    {
        var held = runs.Where(r => ServingValidator.IsHeldOut(r.Setup)).ToList();
        var fit = runs.Where(r => !ServingValidator.IsHeldOut(r.Setup)).ToList();
        if (held.Count > 0 && fit.Count > 0) return (fit, held, $"held out: every run on {ServingValidator.HeldOutDevice}");
        var f = runs.Where((_, i) => i % 3 != 2).ToList();
        var h = runs.Where((_, i) => i % 3 == 2).ToList();
        return (f, h, "held out: every third run in file order");
    }

    /// <summary>Fits on the fit part and judges on the held-out part.</summary>
    public EngineCalibration Fit(IReadOnlyList<ServingRecord> runs, string source, Action<string>? progress = null)
    {
        _all = runs;
        var (fit, held, how) = Split(runs);
        if (fit.Count == 0 || held.Count == 0) throw new ArgumentException("calibration needs runs to fit and runs to hold out (at least 3 runs, or runs on the held-out device)");
        // A deterministic subset keeps each evaluation of the objective short: every run that carries a low- or
        // moderate-load latency (few, and each group weighs the same), then max-load runs evenly spread to fill it.
        var latencyRuns = fit.Where(r => r.Setup.Load != ServingLoad.MaxThroughput).ToList();
        var maxLoad = fit.Where(r => r.Setup.Load == ServingLoad.MaxThroughput && r.Setup.Offline).ToList();
        int room = Math.Max(maxFitRuns - latencyRuns.Count, Math.Min(maxLoad.Count, 16));
        var sample = latencyRuns.Concat(maxLoad.Count <= room ? maxLoad : Enumerable.Range(0, room).Select(i => maxLoad[(int)((long)i * maxLoad.Count / room)])).ToList();
        var parameters = Kernel.ToList();
        if (fit.Any(r => !r.Setup.Offline)) parameters.Add(Request);

        double Evaluate(EngineProfile p) => Objective(Compare(p, sample, maxRequestsDuringFit));
        var current = baseProfile;
        double best = Evaluate(current);
        progress?.Invoke($"objective with the base profile: {best:0.0000}");
        for (int sweep = 0; sweep < 2; sweep++)
        {
            foreach (var par in parameters)
            {
                var (value, score) = Golden(par, current, Evaluate, 9);
                if (score < best - 1e-6)
                {
                    current = par.Set(current, value);
                    best = score;
                }
                progress?.Invoke($"sweep {sweep + 1}, {par.Name} = {par.Get(current).ToString("G4", Inv)}: objective {best:0.0000}");
            }
        }
        var fitted = current with
        {
            Kernels = current.Kernels with { Source = $"calibrated: {source}" },
            Overheads = current.Overheads with { Source = $"calibrated: {source}" },
        };
        var fitBefore = Compare(baseProfile, fit, int.MaxValue);
        var fitAfter = Compare(fitted, fit, int.MaxValue);
        var heldBefore = Compare(baseProfile, held, int.MaxValue);
        var heldAfter = Compare(fitted, held, int.MaxValue);
        double before = Objective(heldBefore), after = Objective(heldAfter);
        var mb = Medians(heldBefore);
        var ma = Medians(heldAfter);
        var worse = ma.Where(kv => mb.TryGetValue(kv.Key, out double b) && kv.Value > b + 1.0).Select(kv => $"{kv.Key} ({mb[kv.Key]:0.#}% → {kv.Value:0.#}%)").ToList();
        bool kept = after < before && worse.Count == 0;
        string reason = kept
            ? $"kept: held-out mean |ln(predicted/measured)| {before:0.000} → {after:0.000} ({how})"
            : worse.Count > 0 ? $"refused: held-out median error rises for {string.Join(", ", worse)} ({how})"
            : $"refused: held-out mean |ln(predicted/measured)| does not fall ({before:0.000} → {after:0.000}; {how})";
        var fits = parameters.Select(p => new EngineParameterFit(p.Name, p.Get(baseProfile), p.Get(fitted), p.Unit)).ToList();
        string note = $"{source}; {reason}";
        var result = kept ? fitted with { Calibration = note } : baseProfile;
        return new EngineCalibration(result, kept, reason, fits, fit.Count, held.Count, how, fitBefore, fitAfter, heldBefore, heldAfter);
    }

    private List<ServingComparison> Compare(EngineProfile p, IReadOnlyList<ServingRecord> runs, int maxRequests)
    {
        var v = validator.With(new ServingValidationOptions { EngineOverride = p, MaxRequests = Math.Min(maxRequests, validator.Options.MaxRequests) });
        var results = new List<ServingComparison>[runs.Count];
        // Every run read is passed along: a latency run is placed on the load scale by the max-load run of its setup.
        Parallel.For(0, runs.Count, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, i => results[i] = v.Fork().Compare(runs[i], _all));
        return results.SelectMany(x => x).ToList();
    }

    /// <summary>Golden-section search of one parameter within its bounds, the others fixed; returns the best value and score seen.</summary>
    private static (double Value, double Score) Golden(Parameter par, EngineProfile p, Func<EngineProfile, double> f, int iterations)
    {
        const double phi = 0.6180339887498949;
        double a = par.Min, b = par.Max;
        double x1 = b - phi * (b - a), x2 = a + phi * (b - a);
        double f1 = f(par.Set(p, x1)), f2 = f(par.Set(p, x2));
        double bestX = f1 <= f2 ? x1 : x2, bestF = Math.Min(f1, f2);
        for (int i = 0; i < iterations; i++)
        {
            if (f1 <= f2) { b = x2; x2 = x1; f2 = f1; x1 = b - phi * (b - a); f1 = f(par.Set(p, x1)); if (f1 < bestF) { bestF = f1; bestX = x1; } }
            else { a = x1; x1 = x2; f1 = f2; x2 = a + phi * (b - a); f2 = f(par.Set(p, x2)); if (f2 < bestF) { bestF = f2; bestX = x2; } }
        }
        return (bestX, bestF);
    }
}
