using System.CommandLine;
using System.Globalization;
using Simulator.Cli.Output;
using Simulator.Core.Loading;
using Simulator.Core.Specs;
using Simulator.Core.Units;
using Simulator.Plotting;
using Simulator.Roofline;
using Simulator.Serving;

namespace Simulator.Cli.Commands;

/// <summary>
/// <c>llmsim simulate</c>: the discrete-event serving simulation of a cluster under a workload (preset, YAML file or
/// trace), one run or a sweep of arrival rates. The adapter reads files, resolves specs and renders; the simulation
/// itself lives in Simulator.Serving.
/// </summary>
public static class SimulateCommand
{
    private sealed class Options
    {
        public readonly DeploymentOptions Deployment = new();
        public readonly Option<int> Replicas = new("--replicas", "-r") { Description = "Replicas behind the router (prefill replicas when disaggregated, unless --prefill-replicas)", DefaultValueFactory = _ => 1 };
        public readonly Option<string> Scheduler = new("--scheduler") { Description = "static | continuous (vLLM-style, default) | chunked (Sarathi-Serve chunked prefill)", DefaultValueFactory = _ => "continuous" };
        public readonly Option<int> MaxBatch = new("--max-batch") { Description = "Most sequences per step", DefaultValueFactory = _ => ReplicaConfig.DefaultMaxBatch };
        public readonly Option<int?> TokenBudget = new("--token-budget") { Description = $"Most new tokens per step (default {ReplicaConfig.DefaultChunkedBudget} chunked, {ReplicaConfig.DefaultUnchunkedBudget} otherwise; longer prompts are rejected without chunking)" };
        public readonly Option<int> BlockSize = new("--block-size") { Description = "Tokens per KV-cache block", DefaultValueFactory = _ => 16 };
        public readonly Option<string> Preemption = new("--preemption") { Description = "When KV blocks run out: recompute (default) or swap (over the host link)", DefaultValueFactory = _ => "recompute" };
        public readonly Option<string> Router = new("--router") { Description = "round-robin (default) | least-outstanding | least-kv", DefaultValueFactory = _ => "round-robin" };
        public readonly Option<string?> Workload = new("--workload", "-w") { Description = $"Preset ({string.Join(", ", Presets.Names)}; default chat) or a workload YAML file (docs/FORMATS.md)" };
        public readonly Option<string?> Trace = new("--trace") { Description = "Replay a CSV trace (BurstGPT or Azure format)" };
        public readonly Option<string?> TraceFormat = new("--trace-format") { Description = "burstgpt | azure (default: recognised from the header)" };
        public readonly Option<double> TimeScale = new("--time-scale") { Description = "Replay the trace this many times faster (0.5 = half speed)", DefaultValueFactory = _ => 1 };
        public readonly Option<double?> Rate = new("--rate") { Description = "Open-loop arrivals per second (Poisson unless --arrival says otherwise)" };
        public readonly Option<string> Arrival = new("--arrival") { Description = "Open-loop process for --rate: poisson (default) | gamma (with --cv) | constant", DefaultValueFactory = _ => "poisson" };
        public readonly Option<double> Cv = new("--cv") { Description = "Coefficient of variation of Gamma inter-arrival times (> 1: bursty)", DefaultValueFactory = _ => 1 };
        public readonly Option<int?> Concurrency = new("--concurrency") { Description = "Closed loop: this many users, each sending its next request when the last one ends" };
        public readonly Option<string?> ThinkTime = new("--think-time") { Description = "Closed loop: mean think time between a user's requests (exponential), e.g. '2 s'" };
        public readonly Option<long?> Requests = new("--requests", "-n") { Description = "Requests to simulate (default 1000 without --duration; a trace: all rows)" };
        public readonly Option<string?> Duration = new("--duration") { Description = "Stop new arrivals after this long, e.g. '10 min' or 600 (seconds); requests in flight finish" };
        public readonly Option<int?> InputTokens = new("--input-tokens") { Description = "Fixed prompt length for every request (overrides the workload or trace)" };
        public readonly Option<int?> OutputTokens = new("--output-tokens") { Description = "Fixed output length for every request (overrides the workload or trace)" };
        public readonly Option<bool> Disaggregate = new("--disaggregate") { Description = "Separate prefill and decode pools; the prompt's KV cache moves between them" };
        public readonly Option<string?> PrefillHardware = new("--prefill-hardware") { Description = "Prefill pool hardware (default --hardware)" };
        public readonly Option<int?> PrefillTp = new("--prefill-tp") { Description = "Prefill pool TP (default --tp)" };
        public readonly Option<int?> PrefillReplicas = new("--prefill-replicas") { Description = "Prefill replicas (default --replicas)" };
        public readonly Option<string?> DecodeHardware = new("--decode-hardware") { Description = "Decode pool hardware (default --hardware)" };
        public readonly Option<int?> DecodeTp = new("--decode-tp") { Description = "Decode pool TP (default --tp)" };
        public readonly Option<int?> DecodeReplicas = new("--decode-replicas") { Description = "Decode replicas (default --replicas)" };
        public readonly Option<string?> KvLink = new("--kv-link") { Description = "Interconnect the KV cache crosses between pools (default: the decode hardware's inter-node link, else its host link)" };
        public readonly Option<int> Seed = new("--seed") { Description = "Seed of every random stream", DefaultValueFactory = _ => 1 };
        public readonly Option<OutputFormat> Format = CommonOptions.Format();
        public readonly Option<string?> RequestsOut = new("--requests-out") { Description = "Write one CSV row per request (completed or rejected) to this file" };
        public readonly Option<string?> Plot = new("--plot") { Description = "Chart file (.png or .svg): latency CDFs (and FILE-kv: KV usage over time); with --rate-sweep, latency and goodput against load" };
        public readonly Option<string?> RateSweep = new("--rate-sweep") { Description = "Run once per arrival rate, e.g. 1,2,4,8" };
        public readonly Option<string?> TtftSlo = new("--ttft-slo") { Description = "TTFT target for every request, e.g. '500 ms' (overrides the workload's)" };
        public readonly Option<string?> TpotSlo = new("--tpot-slo") { Description = "TPOT target for every request, e.g. '50 ms' (overrides the workload's)" };

        public IEnumerable<Option> All() =>
        [
            Replicas, Scheduler, MaxBatch, TokenBudget, BlockSize, Preemption, Router, Workload, Trace, TraceFormat, TimeScale, Rate, Arrival, Cv,
            Concurrency, ThinkTime, Requests, Duration, InputTokens, OutputTokens, Disaggregate, PrefillHardware, PrefillTp, PrefillReplicas,
            DecodeHardware, DecodeTp, DecodeReplicas, KvLink, Seed, Format, RequestsOut, Plot, RateSweep, TtftSlo, TpotSlo,
        ];
    }

    public static Command Create(CliContext ctx)
    {
        var cmd = new Command("simulate", "Discrete-event simulation of serving a workload on a cluster: TTFT, TPOT, E2E percentiles, throughput, goodput, KV usage, energy, cost");
        var o = new Options();
        o.Deployment.AddTo(cmd);
        foreach (var opt in o.All()) cmd.Options.Add(opt);
        cmd.SetAction(r => Execute(ctx, o, r));
        return cmd;
    }

    private static int Execute(CliContext ctx, Options o, ParseResult r)
    {
        var lib = ctx.Library(r.GetValue(CommonOptions.HardwareDir), r.GetValue(CommonOptions.ModelsDir));
        var cluster = BuildCluster(o, r, lib);
        var (workload, trace, notes) = BuildWorkload(o, r);
        var sweep = ParseRates(r.GetValue(o.RateSweep));
        long? requests = r.GetValue(o.Requests);
        double? duration = r.GetValue(o.Duration) is { } dt ? ParseTime(dt, "--duration") : null;
        if (requests is < 1) throw new CliException("--requests must be at least 1");
        if (trace is null && requests is null && duration is null) requests = 1000;
        var run = new RunOptions { Seed = r.GetValue(o.Seed), Requests = requests, DurationSeconds = duration };
        var format = r.GetValue(o.Format);
        string? plot = r.GetValue(o.Plot);
        string? requestsOut = r.GetValue(o.RequestsOut);
        if (trace?.BrokenSummary() is { } broken) ctx.Err.WriteLine("warning: " + broken);

        if (sweep.Count > 0)
        {
            if (trace is not null || workload.Arrivals is ClosedLoopArrivals) throw new CliException("--rate-sweep varies an open-loop arrival rate; it cannot be combined with --trace or --concurrency");
            if (requestsOut is not null) throw new CliException("--requests-out records one run; leave it out with --rate-sweep");
            var results = new List<(double Rate, SimulationResult Result)>();
            for (int i = 0; i < sweep.Count; i++)
            {
                var w = workload.WithArrivals(OpenProcess(o, r, sweep[i]));
                results.Add((sweep[i], RunOne(ctx, cluster, w, run, null, $"rate {sweep[i].ToString(CultureInfo.InvariantCulture)} ({i + 1}/{sweep.Count})")));
            }
            SimulateOutput.RenderSweep(ctx, format, cluster, workload, run, results);
            if (plot is not null)
            {
                var points = results.Select(x => new RateSweepPoint(x.Rate, x.Result.Ttft.P50, x.Result.Ttft.P99, x.Result.Tpot.P50, x.Result.Tpot.P99, x.Result.Goodput, x.Result.RequestsPerSecond)).ToArray();
                RooflineCommand.Save(RateSweepChart.Build(points, SimulateOutput.Title(cluster, workload)), plot);
                ctx.Err.WriteLine($"wrote {plot}");
            }
            return 0;
        }

        SimulationResult result;
        if (requestsOut is not null)
        {
            StreamWriter writer;
            try
            {
                string? dir = Path.GetDirectoryName(Path.GetFullPath(requestsOut));
                if (dir is not null) Directory.CreateDirectory(dir);
                writer = new StreamWriter(requestsOut) { NewLine = "\n" };
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new CliException($"{requestsOut}: cannot write: {e.Message}");
            }
            using (writer)
            using (var sink = new RequestCsvWriter(writer))
                result = RunOne(ctx, cluster, workload, run, sink, null);
        }
        else result = RunOne(ctx, cluster, workload, run, null, null);

        SimulateOutput.Render(ctx, format, cluster, workload, run, result, trace, notes);
        if (requestsOut is not null) ctx.Err.WriteLine($"wrote {requestsOut}");
        if (plot is not null)
        {
            string title = SimulateOutput.Title(cluster, workload);
            var series = new List<(string, double[])>
            {
                ("TTFT", result.TtftSamples.Sorted().ToArray()),
                ("TPOT", result.TpotSamples.Sorted().ToArray()),
                ("E2E", result.E2eSamples.Sorted().ToArray()),
            };
            RooflineCommand.Save(LatencyCdfChart.Build(series, title), plot);
            string kvPath = Path.Combine(Path.GetDirectoryName(plot) ?? "", Path.GetFileNameWithoutExtension(plot) + "-kv" + Path.GetExtension(plot));
            RooflineCommand.Save(KvUsageChart.Build(result.KvUsage, title), kvPath);
            ctx.Err.WriteLine($"wrote {plot}");
            ctx.Err.WriteLine($"wrote {kvPath}");
        }
        return 0;
    }

    private static SimulationResult RunOne(CliContext ctx, ClusterConfig cluster, WorkloadSpec workload, RunOptions run, IRequestSink? sink, string? label)
    {
        Action<SimulationProgress>? progress = null;
        if (ctx.Interactive)
            progress = p => ctx.Err.Write(p.Target == long.MaxValue
                ? $"\rsimulating{(label is null ? "" : " " + label)}: {p.Finished:N0} requests done, t = {p.Now:0.0} s   "
                : $"\rsimulating{(label is null ? "" : " " + label)}: {100.0 * p.Finished / p.Target:0}% ({p.Finished:N0} of {p.Target:N0} requests, t = {p.Now:0.0} s)   ");
        try
        {
            var result = ServingSimulator.Run(cluster, workload, run, sink, null, progress);
            if (ctx.Interactive) ctx.Err.Write("\r" + new string(' ', 78) + "\r");
            return result;
        }
        catch (ArgumentException e)
        {
            throw new CliException(e.Message);
        }
    }

    // ------------------------------------------------------------------ cluster

    private static ClusterConfig BuildCluster(Options o, ParseResult r, SpecLibrary lib)
    {
        var scheduler = Parse(r.GetValue(o.Scheduler)!, "--scheduler", ("static", SchedulerKind.Static), ("continuous", SchedulerKind.Continuous), ("chunked", SchedulerKind.Chunked));
        var preemption = Parse(r.GetValue(o.Preemption)!, "--preemption", ("recompute", PreemptionMode.Recompute), ("swap", PreemptionMode.Swap));
        var router = Parse(r.GetValue(o.Router)!, "--router", ("round-robin", RouterKind.RoundRobin), ("least-outstanding", RouterKind.LeastOutstanding), ("least-kv", RouterKind.LeastKvUsage));
        int replicas = r.GetValue(o.Replicas);
        if (replicas < 1) throw new CliException("--replicas must be at least 1");
        int maxBatch = r.GetValue(o.MaxBatch);
        if (maxBatch < 1) throw new CliException("--max-batch must be at least 1");
        int budget = r.GetValue(o.TokenBudget) ?? 0;
        if (r.GetValue(o.TokenBudget) is < 1) throw new CliException("--token-budget must be at least 1");
        int blockSize = r.GetValue(o.BlockSize);
        if (blockSize < 1) throw new CliException("--block-size must be at least 1");

        ReplicaConfig Replica(string? hardware, int? tp)
        {
            var d = o.Deployment.Resolve(r, lib, hardware, tp);
            return new ReplicaConfig(d)
            {
                Scheduler = scheduler,
                MaxBatch = maxBatch,
                TokenBudget = budget,
                BlockSize = blockSize,
                Preemption = preemption,
                HostLink = HostLink(lib, d.Device),
            };
        }

        bool disaggregate = r.GetValue(o.Disaggregate);
        if (!disaggregate)
        {
            foreach (var opt in new Option[] { o.PrefillHardware, o.PrefillTp, o.PrefillReplicas, o.DecodeHardware, o.DecodeTp, o.DecodeReplicas, o.KvLink })
                if (r.GetResult(opt) is { Implicit: false }) throw new CliException($"{opt.Name} needs --disaggregate");
        }
        ClusterConfig cluster;
        if (disaggregate)
        {
            int pr = r.GetValue(o.PrefillReplicas) ?? replicas, dr = r.GetValue(o.DecodeReplicas) ?? replicas;
            if (pr < 1 || dr < 1) throw new CliException("--prefill-replicas and --decode-replicas must be at least 1");
            var prefill = Replica(r.GetValue(o.PrefillHardware), r.GetValue(o.PrefillTp));
            var decode = Replica(r.GetValue(o.DecodeHardware), r.GetValue(o.DecodeTp));
            Interconnect? link = r.GetValue(o.KvLink) is { } name ? lib.Interconnect(name) : null;
            cluster = new ClusterConfig(new PoolConfig(prefill, pr)) { Router = router, DecodePool = new PoolConfig(decode, dr), KvLink = link };
        }
        else cluster = new ClusterConfig(new PoolConfig(Replica(null, null), replicas)) { Router = router };
        var problems = cluster.Validate();
        if (problems.Count > 0) throw new CliException(string.Join(" ", problems));
        return cluster;
    }

    private static Interconnect? HostLink(SpecLibrary lib, HardwareProfile device)
    {
        if (device.Interconnects.Host is not { } name) return null;
        try { return lib.Interconnect(name); }
        catch (SpecException) { return null; }
    }

    // ------------------------------------------------------------------ workload

    private static (WorkloadSpec Workload, Trace? Trace, List<string> Notes) BuildWorkload(Options o, ParseResult r)
    {
        var notes = new List<string>();
        string? tracePath = r.GetValue(o.Trace);
        string? workloadArg = r.GetValue(o.Workload);
        double? rate = r.GetValue(o.Rate);
        int? users = r.GetValue(o.Concurrency);
        int input = r.GetValue(o.InputTokens) ?? 0, output = r.GetValue(o.OutputTokens) ?? 0;
        if (r.GetValue(o.InputTokens) is < 1 || r.GetValue(o.OutputTokens) is < 1) throw new CliException("--input-tokens and --output-tokens must be at least 1");
        if (rate is not null && users is not null) throw new CliException("give --rate (open loop) or --concurrency (closed loop), not both");
        if (rate is <= 0 || rate is { } rr && !double.IsFinite(rr)) throw new CliException("--rate must be a positive number of requests per second");
        if (users is < 1) throw new CliException("--concurrency must be at least 1");
        double sloTtft = r.GetValue(o.TtftSlo) is { } ts ? ParseTime(ts, "--ttft-slo") : double.NaN;
        double sloTpot = r.GetValue(o.TpotSlo) is { } tp ? ParseTime(tp, "--tpot-slo") : double.NaN;

        Trace? trace = null;
        WorkloadSpec workload;
        if (tracePath is not null)
        {
            if (workloadArg is not null) throw new CliException("give --workload or --trace, not both");
            if (rate is not null || users is not null) throw new CliException("a trace brings its own arrival times; use --time-scale to speed it up or slow it down instead of --rate or --concurrency");
            trace = ReadTrace(tracePath, r.GetValue(o.TraceFormat));
            double scale = r.GetValue(o.TimeScale);
            if (!(scale > 0) || !double.IsFinite(scale)) throw new CliException("--time-scale must be a positive number");
            trace = trace.TimeScaled(scale);
            if (input > 0 || output > 0)
                trace = trace with { Rows = trace.Rows.Select(x => new TraceRow(x.ArrivalSeconds, input > 0 ? input : x.InputTokens, output > 0 ? output : x.OutputTokens)).ToArray() };
            if (trace.Rows.Count == 0) throw new CliException(trace.NoUsableRowsMessage());
            var cls = new RequestClass("trace", 1, new EmpiricalLength(trace.Rows.Select(x => x.InputTokens).ToArray(), Path.GetFileName(tracePath)),
                new EmpiricalLength(trace.Rows.Select(x => x.OutputTokens).ToArray(), Path.GetFileName(tracePath)), Slo.None);
            workload = new WorkloadSpec(Path.GetFileNameWithoutExtension(tracePath), [cls], new TraceArrivals(trace));
        }
        else
        {
            if (r.GetResult(o.TraceFormat) is { Implicit: false } || r.GetResult(o.TimeScale) is { Implicit: false })
                throw new CliException("--trace-format and --time-scale apply to --trace");
            string name = workloadArg ?? "chat";
            bool arrivalGiven = false;
            if (Presets.IsPreset(name)) workload = Presets.Get(name, new PoissonArrivals(1));
            else if (File.Exists(name) || name.EndsWith(".yaml", StringComparison.OrdinalIgnoreCase) || name.EndsWith(".yml", StringComparison.OrdinalIgnoreCase))
                (workload, arrivalGiven) = ReadWorkloadFile(name);
            else throw new CliException($"--workload: '{name}' is neither a preset ({string.Join(", ", Presets.Names)}) nor a workload file.{NameMatcher.Suggest(name, Presets.Names)}");
            if (rate is { } rt) workload = workload.WithArrivals(OpenProcess(o, r, rt));
            else if (users is { } u)
            {
                double think = r.GetValue(o.ThinkTime) is { } tt ? ParseTime(tt, "--think-time", allowZero: true) : 0;
                workload = workload.WithArrivals(new ClosedLoopArrivals(u, think));
            }
            else if (!arrivalGiven && r.GetValue(o.RateSweep) is null)
                notes.Add("no --rate, --concurrency or arrival in the workload: Poisson arrivals at 1 request/s");
            if (input > 0 || output > 0) workload = workload.WithFixedLengths(input, output);
        }
        if (r.GetResult(o.ThinkTime) is { Implicit: false } && workload.Arrivals is not ClosedLoopArrivals) throw new CliException("--think-time applies to --concurrency");
        workload = workload.WithSlo(sloTtft, sloTpot);
        return (workload, trace, notes);
    }

    private static ArrivalProcess OpenProcess(Options o, ParseResult r, double rate)
    {
        double cv = r.GetValue(o.Cv);
        if (!(cv > 0) || !double.IsFinite(cv)) throw new CliException("--cv must be a positive number");
        var process = Parse(r.GetValue(o.Arrival)!, "--arrival", ("poisson", 0), ("gamma", 1), ("constant", 2));
        if (process != 1 && r.GetResult(o.Cv) is { Implicit: false }) throw new CliException("--cv applies to --arrival gamma");
        return process switch
        {
            0 => new PoissonArrivals(rate),
            1 => new GammaArrivals(rate, cv),
            _ => new ConstantArrivals(rate),
        };
    }

    private static Trace ReadTrace(string path, string? formatText)
    {
        if (!File.Exists(path)) throw new CliException($"{path}: trace file not found");
        try
        {
            Serving.TraceFormat format;
            if (formatText is null)
            {
                string header = File.ReadLines(path).FirstOrDefault(l => l.Trim().Length > 0) ?? "";
                format = header.Contains("ContextTokens", StringComparison.OrdinalIgnoreCase) ? Serving.TraceFormat.Azure : Serving.TraceFormat.BurstGpt;
            }
            else format = Parse(formatText, "--trace-format", ("burstgpt", Serving.TraceFormat.BurstGpt), ("azure", Serving.TraceFormat.Azure));
            using var reader = new StreamReader(path);
            return TraceReader.Read(reader, format, path);
        }
        catch (TraceException e) { throw new CliException(e.Message); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { throw new CliException($"{path}: cannot read: {e.Message}"); }
    }

    private static (WorkloadSpec, bool) ReadWorkloadFile(string path)
    {
        if (!File.Exists(path)) throw new CliException($"{path}: workload file not found");
        string text;
        try { text = File.ReadAllText(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { throw new CliException($"{path}: cannot read: {e.Message}"); }
        string dir = Path.GetDirectoryName(Path.GetFullPath(path)) ?? ".";
        var result = WorkloadFile.Parse(path, text, (file, column) => LengthFile.Read(Path.IsPathRooted(file) ? file : Path.Combine(dir, file), column));
        return (result.Workload, result.ArrivalGiven);
    }

    // ------------------------------------------------------------------ parsing helpers

    private static T Parse<T>(string text, string option, params (string Name, T Value)[] choices)
    {
        foreach (var (name, value) in choices)
            if (string.Equals(text.Trim(), name, StringComparison.OrdinalIgnoreCase)) return value;
        throw new CliException($"{option} must be {string.Join(", ", choices.Select(c => c.Name))}, not '{text}'.{NameMatcher.Suggest(text, choices.Select(c => c.Name))}");
    }

    /// <summary>A time with a unit ('500 ms', '10 min') or a plain number of seconds.</summary>
    internal static double ParseTime(string text, string option, bool allowZero = false)
    {
        double v;
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double plain)) v = plain;
        else if (!UnitParser.TryParse(text, QuantityKind.Time, out v, out string error)) throw new CliException($"{option}: {error}");
        if (!double.IsFinite(v) || v < 0 || (v == 0 && !allowZero)) throw new CliException($"{option} must be a positive time, such as '500 ms', not '{text}'");
        return v;
    }

    private static List<double> ParseRates(string? text)
    {
        var list = new List<double>();
        if (text is null) return list;
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!double.TryParse(part, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) || !(v > 0) || !double.IsFinite(v))
                throw new CliException($"--rate-sweep: '{part}' is not a positive rate in requests per second");
            list.Add(v);
        }
        if (list.Count == 0) throw new CliException("--rate-sweep lists no rates");
        return list;
    }
}

/// <summary>Reads a file of lengths for an empirical distribution: one number a line, or a CSV column by name.</summary>
internal static class LengthFile
{
    /// <summary>
    /// The lengths in <paramref name="path"/>: the first column, or the column named <paramref name="column"/> in the
    /// header on line 1. Blank lines are skipped; a first line that is not a number is a header.
    /// </summary>
    public static IReadOnlyList<int> Read(string path, string? column)
    {
        if (!File.Exists(path)) throw new FormatException($"{path}: file not found");
        var values = new List<int>();
        int col = 0;
        using var text = new StreamReader(path);
        using var csv = Csv.Read(text);
        foreach (var row in csv)
        {
            if (Csv.IsBlank(row)) continue;
            int line = Csv.Line(row);
            if (line == 1 && column is not null)
            {
                var names = Csv.Cells(row);
                col = Array.FindIndex(names, c => string.Equals(c, column, StringComparison.OrdinalIgnoreCase));
                if (col < 0) throw new FormatException($"{path}:1: no column '{column}' (found: {string.Join(", ", names)})");
                continue;
            }
            var cell = col < row.ColCount ? Csv.Cell(row, col) : [];
            if (int.TryParse(cell, NumberStyles.None, CultureInfo.InvariantCulture, out int v) && v >= 1) values.Add(v);
            else if (double.TryParse(cell, NumberStyles.Float, CultureInfo.InvariantCulture, out double d) && d >= 1 && d == Math.Floor(d) && d <= WorkloadFile.MaxTokens) values.Add((int)d);
            else if (line == 1) continue; // a header line
            else throw new FormatException($"{path}:{line}: '{cell}' is not a token count (a whole number of at least 1)");
        }
        return values;
    }
}
