using Simulator.Core.Loading;

namespace Simulator.Serving;

/// <summary>A workload or cluster the inputs cannot describe; the message names the file or the setting.</summary>
public sealed class SetupException(string message) : Exception(message);

/// <summary>Open-loop arrival processes by name.</summary>
public enum ArrivalKind
{
    /// <summary>Exponential gaps (<see cref="PoissonArrivals"/>).</summary>
    Poisson,
    /// <summary>Gamma gaps with a coefficient of variation (<see cref="GammaArrivals"/>; above 1 is bursty).</summary>
    Gamma,
    /// <summary>Equal gaps (<see cref="ConstantArrivals"/>).</summary>
    Constant,
}

/// <summary>What a simulation's traffic should be, as a user says it: a trace, or a preset or workload file with an arrival process.</summary>
public sealed record WorkloadRequest
{
    /// <summary>A CSV trace to replay (BurstGPT or Azure); its arrival times are the traffic.</summary>
    public string? TracePath { get; init; }
    /// <summary>The trace's format; null: recognised from the header.</summary>
    public TraceFormat? TraceFormat { get; init; }
    /// <summary>Replay the trace this many times faster.</summary>
    public double TimeScale { get; init; } = 1;
    /// <summary>A preset name or a workload YAML path (null: chat).</summary>
    public string? Workload { get; init; }
    /// <summary>Open-loop arrivals per second.</summary>
    public double? Rate { get; init; }
    public ArrivalKind Arrival { get; init; } = ArrivalKind.Poisson;
    /// <summary>Coefficient of variation of Gamma gaps.</summary>
    public double Cv { get; init; } = 1;
    /// <summary>Closed-loop users.</summary>
    public int? Users { get; init; }
    /// <summary>Mean think time of a closed-loop user between requests.</summary>
    public double ThinkSeconds { get; init; }
    /// <summary>Fixed prompt length for every request (overrides the workload or trace).</summary>
    public int? InputTokens { get; init; }
    /// <summary>Fixed output length for every request.</summary>
    public int? OutputTokens { get; init; }
    /// <summary>TTFT target for every class (NaN: the workload's own).</summary>
    public double TtftSloSeconds { get; init; } = double.NaN;
    /// <summary>TPOT target for every class (NaN: the workload's own).</summary>
    public double TpotSloSeconds { get; init; } = double.NaN;
    /// <summary>The caller sets the arrivals itself (a rate sweep), so no default arrival needs announcing.</summary>
    public bool RateGivenElsewhere { get; init; }
    /// <summary>With an open-loop rate: at most this many requests in flight (<see cref="CappedArrivals"/>).</summary>
    public int? MaxConcurrency { get; init; }
}

/// <summary>Builds a <see cref="WorkloadSpec"/> from a <see cref="WorkloadRequest"/>: reads traces and workload files, picks arrivals, applies overrides.</summary>
public static class WorkloadBuilder
{
    /// <summary>The workload, the trace it replays (if any), and notes about defaults it used.</summary>
    public static (WorkloadSpec Workload, Trace? Trace, List<string> Notes) Build(WorkloadRequest x)
    {
        var notes = new List<string>();
        int input = x.InputTokens ?? 0, output = x.OutputTokens ?? 0;
        Trace? trace = null;
        WorkloadSpec workload;
        if (x.TracePath is { } tracePath)
        {
            trace = ReadTrace(tracePath, x.TraceFormat).TimeScaled(x.TimeScale);
            if (input > 0 || output > 0)
                trace = trace with { Rows = trace.Rows.Select(t => t with { InputTokens = input > 0 ? input : t.InputTokens, OutputTokens = output > 0 ? output : t.OutputTokens }).ToArray() };
            if (trace.Rows.Count == 0) throw new SetupException(trace.NoUsableRowsMessage());
            var cls = new RequestClass("trace", 1, new EmpiricalLength(trace.Rows.Select(t => t.InputTokens).ToArray(), Path.GetFileName(tracePath)),
                new EmpiricalLength(trace.Rows.Select(t => t.OutputTokens).ToArray(), Path.GetFileName(tracePath)), Slo.None);
            workload = new WorkloadSpec(Path.GetFileNameWithoutExtension(tracePath), [cls], new TraceArrivals(trace));
        }
        else
        {
            string name = x.Workload ?? "chat";
            bool arrivalGiven = false;
            if (Presets.IsPreset(name)) workload = Presets.Get(name, new PoissonArrivals(1));
            else if (name.LastIndexOf('#') is int hash and > 0 && File.Exists(name[..hash]))
                (workload, arrivalGiven) = ReadWorkloadWithin(name[..hash], name[(hash + 1)..]);
            else if (File.Exists(name) || name.EndsWith(".yaml", StringComparison.OrdinalIgnoreCase) || name.EndsWith(".yml", StringComparison.OrdinalIgnoreCase))
                (workload, arrivalGiven) = ReadWorkloadFile(name);
            else throw new SetupException($"--workload: '{name}' is neither a preset ({string.Join(", ", Presets.Names)}) nor a workload file.{NameMatcher.Suggest(name, Presets.Names)}");
            if (x.Rate is { } rate) workload = workload.WithArrivals(Capped(Open(x.Arrival, rate, x.Cv), x.MaxConcurrency));
            else if (x.Users is { } users) workload = workload.WithArrivals(new ClosedLoopArrivals(users, x.ThinkSeconds));
            else if (!arrivalGiven && !x.RateGivenElsewhere)
                notes.Add("no --rate, --concurrency or arrival in the workload: Poisson arrivals at 1 request/s");
            if (input > 0 || output > 0) workload = workload.WithFixedLengths(input, output);
        }
        return (workload.WithSlo(x.TtftSloSeconds, x.TpotSloSeconds), trace, notes);
    }

    /// <summary>An open-loop arrival process of a kind at a rate.</summary>
    public static ArrivalProcess Open(ArrivalKind kind, double rate, double cv) => kind switch
    {
        ArrivalKind.Poisson => new PoissonArrivals(rate),
        ArrivalKind.Gamma => new GammaArrivals(rate, cv),
        _ => new ConstantArrivals(rate),
    };

    /// <summary>An open-loop process, capped at <paramref name="maxConcurrency"/> requests in flight when one is given.</summary>
    public static ArrivalProcess Capped(ArrivalProcess open, int? maxConcurrency) =>
        maxConcurrency is int n && open is OpenArrivals o ? new CappedArrivals(o, n) : open;

    /// <summary>Reads a trace (format given, or recognised from the header: Azure traces name ContextTokens).</summary>
    public static Trace ReadTrace(string path, TraceFormat? given)
    {
        if (!File.Exists(path)) throw new SetupException($"{path}: trace file not found");
        try
        {
            TraceFormat format;
            if (given is null)
            {
                string header = File.ReadLines(path).FirstOrDefault(l => l.Trim().Length > 0) ?? "";
                format = header.Contains("ContextTokens", StringComparison.OrdinalIgnoreCase) ? Serving.TraceFormat.Azure : Serving.TraceFormat.BurstGpt;
            }
            else format = given.Value;
            using var reader = new StreamReader(path);
            return TraceReader.Read(reader, format, path);
        }
        catch (TraceException e) { throw new SetupException(e.Message); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { throw new SetupException($"{path}: cannot read: {e.Message}"); }
    }

    /// <summary>Reads a workload held under a key path of another YAML file (<c>scenario.yaml#simulate.workload</c>).</summary>
    public static (WorkloadSpec Workload, bool ArrivalGiven) ReadWorkloadWithin(string path, string keyPath)
    {
        string text;
        try { text = File.ReadAllText(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { throw new SetupException($"{path}: cannot read: {e.Message}"); }
        string dir = Path.GetDirectoryName(Path.GetFullPath(path)) ?? ".";
        var result = WorkloadFile.ParseWithin(path, text, keyPath, (file, column) => LengthFile.Read(Path.IsPathRooted(file) ? file : Path.Combine(dir, file), column));
        return (result.Workload, result.ArrivalGiven);
    }

    /// <summary>Reads a workload YAML file (length files it names are read relative to it); whether it sets its own arrivals.</summary>
    public static (WorkloadSpec Workload, bool ArrivalGiven) ReadWorkloadFile(string path)
    {
        if (!File.Exists(path)) throw new SetupException($"{path}: workload file not found");
        string text;
        try { text = File.ReadAllText(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { throw new SetupException($"{path}: cannot read: {e.Message}"); }
        string dir = Path.GetDirectoryName(Path.GetFullPath(path)) ?? ".";
        var result = WorkloadFile.Parse(path, text, (file, column) => LengthFile.Read(Path.IsPathRooted(file) ? file : Path.Combine(dir, file), column));
        return (result.Workload, result.ArrivalGiven);
    }
}
