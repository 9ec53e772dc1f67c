using Simulator.Core.Loading;
using Simulator.Core.Specs;
using Simulator.Roofline;
using Simulator.Serving;

namespace Simulator.Validation;

/// <summary>Where a measured serving metric sits: max-load throughput, or a latency at low, medium or high load.</summary>
public enum ServingRegime
{
    /// <summary>A throughput with every request issued at once (the server saturated).</summary>
    MaxLoadThroughput,
    /// <summary>A latency with offered load at most 30% of the setup's capacity.</summary>
    LowLoad,
    /// <summary>A latency between 30% and 70% of capacity.</summary>
    MediumLoad,
    /// <summary>A latency above 70% of capacity (below saturation).</summary>
    HighLoad,
    /// <summary>A latency with every request issued at once (dominated by queueing: reported, not a target).</summary>
    MaxLoadLatency,
    /// <summary>A throughput under an open-loop rate or concurrency (follows the offered load below capacity).</summary>
    LoadThroughput,
    /// <summary>
    /// A throughput with every request sent at once to a server (an HTTP or gRPC front end): the benchmark client and the
    /// front end's queues shape it as much as the engine, so it is reported apart from the engine's max-load throughput.
    /// </summary>
    ServedMaxLoadThroughput,
}

/// <summary>One measured metric of a run with the simulator's prediction for the same run.</summary>
/// <param name="Profile">The engine profile the run was simulated with (and why, when it is not the run's own version).</param>
/// <param name="LoadFraction">Offered load over the setup's capacity (NaN at max load).</param>
public sealed record ServingComparison(ServingRecord Record, string Metric, double Measured, double? Predicted, string? Skipped, ServingRegime Regime, bool HeldOut,
    string Profile, double LoadFraction)
{
    /// <summary>(predicted − measured) / measured in percent.</summary>
    public double SignedPctError => Predicted is double p ? (p - Measured) / Measured * 100 : double.NaN;
    public double AbsPctError => Math.Abs(SignedPctError);
    /// <summary>ttft, tpot, itl, e2el or throughput.</summary>
    public string Family => ServingMetrics.Latencies.Contains(Metric.Split('_')[0]) ? Metric.Split('_')[0] : "throughput";
}

/// <summary>Options of a serving validation run.</summary>
public sealed record ServingValidationOptions
{
    /// <summary>Most requests simulated per run (a larger recorded run is simulated with this many, and says so).</summary>
    public int MaxRequests { get; init; } = 4000;
    /// <summary>Engine profile for runs whose file names no engine (null: the generic engine).</summary>
    public string? DefaultEngine { get; init; }
    /// <summary>An engine profile to use for every run, whatever the run's own engine (a calibration candidate); null: look it up.</summary>
    public EngineProfile? EngineOverride { get; init; }
    public int Seed { get; init; } = 1;
}

/// <summary>
/// Validates the serving simulator against serving benchmarks: each run is simulated with its recorded setup (engine
/// profile of its engine and version, else the nearest shipped one; device, model, quantization, TP; lengths; load: all at
/// once, a Poisson or Gamma rate, a cap on requests in flight, or a closed loop) and every measured metric is compared
/// with the simulated one under the same definition (vLLM's: TTFT from send to first token, TPOT per request after the
/// first token, ITL all gaps pooled, E2EL, throughputs over the run). Which part is held out of every fit:
/// <see cref="IsHeldOut"/>.
/// </summary>
public sealed class ServingValidator(SpecLibrary library, EngineLibrary engines, DeviceResolver devices, ServingValidationOptions? options = null)
{
    private readonly ServingValidationOptions _o = options ?? new();
    private readonly Dictionary<string, double> _capacity = new(StringComparer.Ordinal);
    // Spec and engine libraries and the device resolver cache what they load and are not thread-safe: runs may be compared
    // in parallel (calibration), so everything that touches them, and the capacity cache, goes through this gate.
    private readonly object _gate = new();

    /// <summary>The options in force.</summary>
    public ServingValidationOptions Options => _o;

    /// <summary>A validator over the same libraries with other options.</summary>
    public ServingValidator With(ServingValidationOptions options) => new(library, engines, devices, options);

    /// <summary>The same validator (it is safe to use from several threads).</summary>
    public ServingValidator Fork() => this;

    /// <summary>
    /// The published runs kept out of every fit: every run on an H200 (h200-sxm). Calibrations are fitted on the other
    /// devices (H100, A100, L40S, B200) and judged on the H200 runs they never saw; a user's own files, which usually come
    /// from one device, are split by the engine calibration itself.
    /// </summary>
    public static bool IsHeldOut(ServingSetup s) => s.Device == HeldOutDevice;

    /// <summary>The device whose runs are held out.</summary>
    public const string HeldOutDevice = "h200-sxm";

    /// <summary>Compares every metric of every run.</summary>
    public List<ServingComparison> Compare(IEnumerable<ServingRecord> records, Action<int, int>? progress = null)
    {
        var list = records.ToList();
        var result = new List<ServingComparison>();
        for (int i = 0; i < list.Count; i++)
        {
            result.AddRange(Compare(list[i], list));
            progress?.Invoke(i + 1, list.Count);
        }
        return result;
    }

    /// <summary>The comparisons of one run; <paramref name="all"/> are the runs read together (a max-load run of the same setup gives the capacity that places a rate on the load scale).</summary>
    public List<ServingComparison> Compare(ServingRecord r, IReadOnlyList<ServingRecord>? all = null)
    {
        var s = r.Setup;
        bool heldOut = IsHeldOut(s);
        Prepared p;
        try { lock (_gate) p = Prepare(s); }
        catch (Exception e) when (e is SpecException or PlanException or SetupException or ArgumentException or FormatException)
        {
            string why = e is SpecException se ? se.Errors[0].Message : e.Message.Split('\n')[0];
            return r.Metrics.Select(m => new ServingComparison(r, m.Name, m.Value, null, why, Regime(s, m.Name, double.NaN), heldOut, "", double.NaN)).ToList();
        }
        SimulationResult sim;
        try { sim = Simulate(p, s, _o.MaxRequests); }
        catch (ArgumentException e)
        {
            return r.Metrics.Select(m => new ServingComparison(r, m.Name, m.Value, null, e.Message, Regime(s, m.Name, double.NaN), heldOut, p.ProfileNote, double.NaN)).ToList();
        }
        double fraction = LoadFraction(r, p, sim, all);
        var list = new List<ServingComparison>();
        foreach (var m in r.Metrics)
        {
            double? predicted = Predict(m.Name, sim, s);
            list.Add(new ServingComparison(r, m.Name, m.Value, predicted, predicted is null ? $"metric {m.Name} is not simulated" : null, Regime(s, m.Name, fraction), heldOut, p.ProfileNote, fraction));
        }
        return list;
    }

    private static ServingRegime Regime(ServingSetup s, string metric, double fraction)
    {
        bool throughput = ServingMetrics.Throughputs.Contains(metric);
        if (s.Load == ServingLoad.MaxThroughput)
            return throughput ? (s.Offline ? ServingRegime.MaxLoadThroughput : ServingRegime.ServedMaxLoadThroughput) : ServingRegime.MaxLoadLatency;
        if (throughput) return ServingRegime.LoadThroughput;
        return fraction <= 0.3 ? ServingRegime.LowLoad : fraction <= 0.7 ? ServingRegime.MediumLoad : ServingRegime.HighLoad;
    }

    /// <summary>
    /// Offered load over capacity: the rate (or, closed loop, the measured request rate) divided by the request throughput
    /// of the same setup at max load, measured when a max-load run of it was read, else simulated.
    /// </summary>
    private double LoadFraction(ServingRecord r, Prepared p, SimulationResult sim, IReadOnlyList<ServingRecord>? all)
    {
        var s = r.Setup;
        if (s.Load == ServingLoad.MaxThroughput) return double.NaN;
        double offered = s.Load == ServingLoad.Rate && double.IsFinite(s.RequestRate) ? s.RequestRate
            : r.Metrics.FirstOrDefault(m => m.Name == "request_throughput")?.Value ?? sim.RequestsPerSecond;
        double? measuredMax = all?.Where(x => x.Setup.Load == ServingLoad.MaxThroughput && SameSetup(x.Setup, s))
            .SelectMany(x => x.Metrics).FirstOrDefault(m => m.Name == "request_throughput")?.Value;
        double capacity = measuredMax ?? Capacity(p, s);
        return capacity > 0 ? offered / capacity : double.NaN;
    }

    private static bool SameSetup(ServingSetup a, ServingSetup b) =>
        a.Engine == b.Engine && a.EngineVersion == b.EngineVersion && a.Device == b.Device && a.Model == b.Model && a.Dtype == b.Dtype && a.Tp == b.Tp && a.Pp == b.Pp
        && Math.Abs(a.InputTokens - b.InputTokens) < 0.5 && Math.Abs(a.OutputTokens - b.OutputTokens) < 0.5;

    private double Capacity(Prepared p, ServingSetup s)
    {
        string key = $"{s.Engine}|{s.EngineVersion}|{s.Device}|{s.Model}|{s.Dtype}|{s.Tp}|{s.Pp}|{s.InputTokens}|{s.OutputTokens}";
        lock (_gate)
            if (_capacity.TryGetValue(key, out double known)) return known;
        var max = s with { Load = ServingLoad.MaxThroughput, RequestRate = double.PositiveInfinity, Concurrency = null, NumPrompts = Math.Max(s.NumPrompts, 1000) };
        double c = Simulate(p, max, Math.Min(_o.MaxRequests, 2000)).RequestsPerSecond;
        lock (_gate) _capacity[key] = c;
        return c;
    }

    /// <summary>The simulated value of a metric under vLLM's definition, or null when the simulator does not produce it.</summary>
    public static double? Predict(string metric, SimulationResult sim, ServingSetup s)
    {
        switch (metric)
        {
            case "request_throughput": return sim.RequestsPerSecond;
            case "output_throughput": return sim.OutputTokensPerSecond;
            case "input_throughput": return sim.InputTokensPerSecond;
            case "total_token_throughput": return sim.InputTokensPerSecond + sim.OutputTokensPerSecond;
            case "output_throughput_per_gpu": return sim.OutputTokensPerSecond / Math.Max(1, s.Devices);
        }
        int u = metric.IndexOf('_');
        if (u < 0) return null;
        string family = metric[..u], stat = metric[(u + 1)..];
        if (family == "itl")
        {
            var h = sim.ItlHistogram;
            return stat switch
            {
                "mean" => sim.Itl.Mean,
                "std" => h?.StandardDeviation,
                "median" => h?.Quantile(0.5) ?? sim.Itl.P50,
                _ when stat.StartsWith('p') && double.TryParse(stat[1..], System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out double q) => h?.Quantile(q / 100),
                _ => null,
            };
        }
        var samples = family switch { "ttft" => sim.TtftSamples, "tpot" => sim.TpotSamples, "e2el" => sim.E2eSamples, _ => null };
        if (samples is null || samples.Count == 0) return null;
        return stat switch
        {
            "mean" => samples.Mean,
            "std" => samples.StandardDeviation(),
            "median" => samples.Quantile(0.5),
            _ when stat.StartsWith('p') && double.TryParse(stat[1..], System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out double q) => samples.Quantile(q / 100),
            _ => null,
        };
    }

    // ------------------------------------------------------------------ setup → simulation

    /// <summary>A run's deployment and replica, ready to simulate.</summary>
    internal sealed record Prepared(ReplicaConfig Replica, string ProfileNote);

    /// <summary>The engine profile a setup runs with, and a note when it is not the run's own version.</summary>
    internal (EngineProfile? Profile, string Note) ProfileFor(ServingSetup s)
    {
        if (_o.EngineOverride is { } forced) return (forced, forced.Name + (forced.Calibration is null ? "" : " (calibration candidate)"));
        string engine = s.Engine.Length > 0 ? s.Engine : _o.DefaultEngine?.Split('@')[0] ?? "";
        if (engine.Length == 0) return (null, "generic engine");
        string version = ServingSetup.ShortVersion(s.Engine.Length > 0 ? s.EngineVersion : _o.DefaultEngine?.Split('@').ElementAtOrDefault(1) ?? "");
        string backend = s.Settings.TryGetValue("backend", out var b) ? b : "";
        var candidates = engines.Names.Where(n => n.StartsWith(engine + "@", StringComparison.Ordinal)).Select(engines.Get).ToList();
        if (candidates.Count == 0) return (engines.Get(engine), engine);
        // The run's own version when a profile has it (0.14.0 matches 0.14); else a profile of the same backend, the newest
        // at or below the run's version, else the newest of that backend, else the newest of the engine.
        var exact = candidates.FirstOrDefault(p => version.Length > 0 && (p.Version == version || version.StartsWith(p.Version + ".", StringComparison.Ordinal) || p.Version.StartsWith(version + ".", StringComparison.Ordinal)));
        if (exact is not null && (backend.Length == 0 || exact.Backend.Length == 0 || exact.Backend == backend)) return (exact, exact.Name);
        var sameBackend = candidates.Where(p => backend.Length == 0 ? p.Backend is "" or "pytorch" : p.Backend == backend).ToList();
        if (sameBackend.Count == 0) sameBackend = candidates;
        string key = EngineLibrary.VersionKey(version);
        var chosen = sameBackend.Where(p => version.Length > 0 && string.CompareOrdinal(EngineLibrary.VersionKey(p.Version), key) <= 0).OrderBy(p => EngineLibrary.VersionKey(p.Version), StringComparer.Ordinal).LastOrDefault()
            ?? sameBackend.OrderBy(p => EngineLibrary.VersionKey(p.Version), StringComparer.Ordinal).Last();
        return (chosen, version.Length == 0 ? chosen.Name : $"{chosen.Name} (nearest profile{(backend.Length > 0 ? " of the " + backend + " backend" : "")}; the run used {engine} {version})");
    }

    internal Prepared Prepare(ServingSetup s)
    {
        var (profile, note) = ProfileFor(s);
        var model = library.Model(s.Model);
        var resolved = devices.Resolve(library.Hardware(s.Device), Math.Max(8, s.Devices));
        var quant = QuantizationScheme.Parse(s.Dtype.Length == 0 ? (model.NativeDType == DataType.Fp16 ? "fp16" : "bf16") : s.Dtype, model.NativeDType);
        if (s.KvDtype.Length > 0 && DataTypes.TryParse(s.KvDtype, out var kvType) && kvType != quant.KvCache)
            quant = quant with { Name = quant.Name + "kv" + kvType.Bits(), KvCache = kvType };
        else if (s.KvDtype.Length == 0 && profile is not null) quant = profile.ResolveKvCache(quant, false).Scheme;
        var eff = profile is null ? resolved.Efficiency : EngineEfficiency.Wrap(resolved.Efficiency, profile);
        var cluster = library.DefaultCluster(resolved.Device, Math.Max(8, s.Devices));
        var d = Deployment.Create(model, resolved.Device, quant, new Parallelism(s.Tp, s.Pp), cluster with { IntraNode = resolved.Cluster.IntraNode ?? cluster.IntraNode }, flashAttention: true, eff);
        int longest = (int)Math.Ceiling(s.InputLens is { Count: > 0 } l ? l.Max() : s.InputTokens);
        ReplicaConfig replica;
        if (profile is null)
        {
            replica = new ReplicaConfig(d) { Scheduler = SchedulerKind.Chunked };
        }
        else
        {
            var e = Adjust(profile.ForDevice(d.Device), s.Settings);
            int? maxBatch = s.Settings.TryGetValue("max_batch", out var mb) && int.TryParse(mb, out int m) ? m : null;
            int? tokens = s.Settings.TryGetValue("max_num_tokens", out var mt) && int.TryParse(mt, out int t) ? t : null;
            replica = EngineSetup.Replica(d, null, e, EngineChoices.None with { MaxBatch = maxBatch, TokenBudget = tokens });
            replica = replica with { Engine = e };
        }
        // An unchunked engine would reject prompts longer than its step budget; the benchmark's engine was built for them.
        if (Scheduler.For(replica.Scheduler).PromptsLimitedByBudget && replica.EffectiveTokenBudget < longest + replica.MaxBatch)
        {
            // Room for the prompt beside a full batch of decodes, or it would wait for the batch to drain.
            replica = replica with { TokenBudget = longest + replica.MaxBatch };
            note += $"; token budget raised to the {longest}-token prompt + {replica.MaxBatch} decodes";
        }
        return new Prepared(replica, note);
    }

    /// <summary>The profile with a run's recorded settings applied (KV memory fraction, CUDA-graph sizes and padding, backend).</summary>
    public static EngineProfile Adjust(EngineProfile e, IReadOnlyDictionary<string, string> settings)
    {
        var inv = System.Globalization.CultureInfo.InvariantCulture;
        if (settings.TryGetValue("kv_fraction", out var kf) && double.TryParse(kf, System.Globalization.NumberStyles.Float, inv, out double f) && f is > 0 and <= 1)
            e = e with { Memory = e.Memory with { Fraction = f } };
        if (settings.TryGetValue("graph_max_batch", out var gm) && int.TryParse(gm, out int max) && max > 0)
        {
            // TensorRT-LLM's padded list: 1, 2, 4, 8..128 by 8, then powers of two up to the maximum.
            var sizes = new SortedSet<int>(e.Graphs.DecodeSizes) { 1, 2, 4 };
            for (int b = 8; b <= 128; b += 8) sizes.Add(b);
            for (int b = 256; b <= max; b *= 2) sizes.Add(b);
            sizes.Add(max);
            e = e with { Graphs = e.Graphs with { DecodeSizes = sizes.Where(x => x <= max).ToArray() } };
        }
        if (settings.TryGetValue("graph_padding", out var gp) && bool.TryParse(gp, out bool pad))
            e = e with { Graphs = e.Graphs with { Padding = pad } };
        if (settings.TryGetValue("backend", out var backend) && backend == "tensorrt-engine")
            // The TensorRT engine flow builds one engine and launches it per step; no CUDA graphs by default.
            e = e with { Graphs = e.Graphs with { DecodeSizes = [] } };
        return e;
    }

    internal SimulationResult Simulate(Prepared p, ServingSetup s, int maxRequests)
    {
        var cluster = new ClusterConfig(new PoolConfig(p.Replica, 1)) { RequestOverheads = !s.Offline };
        LengthDistribution input = s.InputLens is { Count: > 0 } il ? new EmpiricalLength(il.ToArray(), "recorded input_lens") : new FixedLength((int)Math.Max(1, Math.Round(s.InputTokens)));
        LengthDistribution output = s.OutputLens is { Count: > 0 } ol ? new EmpiricalLength(ol.ToArray(), "recorded output_lens") : new FixedLength((int)Math.Max(1, Math.Round(s.OutputTokens)));
        ArrivalProcess arrivals = s.Load switch
        {
            ServingLoad.MaxThroughput => new ConstantArrivals(double.PositiveInfinity),
            ServingLoad.Concurrency => new ClosedLoopArrivals(Math.Max(1, s.Concurrency ?? 1), 0),
            _ => WorkloadBuilder.Capped(s.Burstiness == 1 ? new PoissonArrivals(s.RequestRate) : new GammaArrivals(s.RequestRate, 1 / Math.Sqrt(s.Burstiness)), s.Concurrency),
        };
        var workload = new WorkloadSpec("benchmark", [new RequestClass("benchmark", 1, input, output, Slo.None)], arrivals);
        int n = Math.Max(1, Math.Min(s.NumPrompts > 0 ? s.NumPrompts : 1000, maxRequests));
        return ServingSimulator.Run(cluster, workload, new RunOptions { Seed = _o.Seed, Requests = n });
    }
}
