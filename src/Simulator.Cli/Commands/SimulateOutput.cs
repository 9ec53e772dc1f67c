using Simulator.Cli.Options;
using System.Globalization;
using nietras.SeparatedValues;
using Simulator.Cli.Output;
using Simulator.Cli.Output.Contracts;
using Simulator.Core.Loading;
using Simulator.Serving;
using F = Simulator.Core.Units.Format;

namespace Simulator.Cli.Commands;

/// <summary>Renders simulation results as a human summary, JSON (field names are part of the CLI's contract) or CSV.</summary>
internal static class SimulateOutput
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>A number for a table, "n/a" where it is undefined (nothing completed).</summary>
    private static string Num(double v, string format) => double.IsNaN(v) ? "n/a" : v.ToString(format, Inv);

    /// <summary>
    /// The workload's latency targets for the charts, one per metric and value; when classes differ, each target
    /// names the classes it belongs to. A trace's requests all belong to the first class.
    /// </summary>
    public static IReadOnlyList<Plotting.SloTarget> SloTargets(WorkloadSpec w)
    {
        var classes = w.Arrivals is TraceArrivals ? w.Classes.Take(1).ToList() : w.Classes.ToList();
        var targets = new List<Plotting.SloTarget>();
        foreach (var (metric, seconds) in new (Plotting.SloMetric, Func<RequestClass, double>)[] { (Plotting.SloMetric.Ttft, c => c.Slo.TtftSeconds), (Plotting.SloMetric.Tpot, c => c.Slo.TpotSeconds) })
        {
            var groups = classes.Where(c => !double.IsNaN(seconds(c))).GroupBy(seconds).OrderBy(g => g.Key).ToList();
            bool allSame = groups.Count == 1 && groups[0].Count() == classes.Count;
            foreach (var g in groups)
                targets.Add(new Plotting.SloTarget(metric, g.Key, allSame || classes.Count == 1 ? null : string.Join(", ", g.Select(c => c.Name))));
        }
        return targets;
    }

    public static string Title(ClusterConfig c, WorkloadSpec w)
    {
        var d = c.Pool.Replica.Deployment;
        string hw = c.DecodePool is { } dp
            ? $"{c.Pool.Count} x {d.Device.Name} {Par(d.Parallelism)} prefill + {dp.Count} x {dp.Replica.Deployment.Device.Name} {Par(dp.Replica.Deployment.Parallelism)} decode"
            : $"{c.Pool.Count} x {d.Device.Name} ({d.Parallelism})";
        return $"{d.Model.Name}, {w.Name}, {hw}, {Serving.Scheduler.For(c.Pool.Replica.Scheduler).Name}";
    }

    /// <summary>TP4, or DP8 TP1 EP8 with attention data parallelism.</summary>
    private static string Par(Roofline.Parallelism p) => p.Dp > 1 ? $"DP{p.Dp} TP{p.Tp} EP{p.Ep}" : $"TP{p.Tp}";

    private static double? N(double v) => JsonOutput.N(v);

    private static Percentiles Stats(LatencyStats s) => new(N(s.Mean), N(s.P50), N(s.P90), N(s.P95), N(s.P99), N(s.Max), s.Count);

    /// <summary>The router's word.</summary>
    /// <summary>The router's name on the command line.</summary>
    public static string RouterName(RouterKind k) => k switch
    {
        RouterKind.RoundRobin => "round-robin",
        RouterKind.LeastOutstanding => "least-outstanding",
        RouterKind.PrefixAffinity => "prefix-affinity",
        _ => "least-kv",
    };

    /// <summary>The typed output of one run (field names are part of the CLI's contract; schema docs/schemas/simulate.schema.json).</summary>
    public static SimulationOutput ToOutput(ClusterConfig c, WorkloadSpec w, RunOptions run, SimulationResult r, Trace? trace = null, IReadOnlyList<string>? notes = null)
    {
        var rc = c.Pool.Replica;
        var d = rc.Deployment;
        var dp = c.DecodePool;
        return new SimulationOutput
        {
            Model = d.Model.Name,
            Hardware = d.Device.Name,
            Quantization = d.Quant.Name,
            KvCacheDtype = d.Quant.KvCacheName,
            Tp = d.Parallelism.Tp,
            Pp = d.Parallelism.Pp,
            Dp = d.Parallelism.Dp > 1 ? d.Parallelism.Dp : null,
            Ep = d.Parallelism.Dp > 1 ? d.Parallelism.Ep : null,
            KvCapacityNote = d.Parallelism.Dp > 1 ? "each replica is one attention-DP group; its KV capacity is the sum over its DP ranks" : null,
            Replicas = c.Pool.Count,
            Scheduler = Serving.Scheduler.For(rc.Scheduler).Name,
            MaxBatch = rc.MaxBatch,
            TokenBudget = rc.EffectiveTokenBudget,
            BlockSize = rc.BlockSize,
            Preemption = rc.Preemption.ToString().ToLowerInvariant(),
            Router = RouterName(c.Router),
            Disaggregated = c.Disaggregated,
            Seed = run.Seed,
            Workload = w.Name,
            Arrivals = w.Arrivals.Describe(),
            Engine = rc.Engine?.Name ?? EngineText.GenericName,
            RequestOverheads = rc.Engine is null ? null : c.RequestOverheads,
            // Serving features appear only when on, so runs without them keep their bytes.
            PrefixCaching = rc.PrefixCaching ? true : null,
            SharedPrefixTokens = w.Classes.FirstOrDefault(x => x.Prefix is not null)?.Prefix is { Group: WorkloadSpec.SharedPrefixGroup } shared ? shared.Tokens : null,
            KvOffload = rc.KvOffload is { } off ? new KvOffloadOutput(off.HostBytes, off.SsdBytes, off.SsdBandwidthBytesPerSecond, rc.HostLink?.Name) : null,
            Speculative = (rc.Speculative ?? dp?.Replica.Speculative) is { } spec
                ? new SpeculativeOutput(SpeculativeConfig.MethodName(spec.Method), spec.K, [.. spec.Acceptance.Rates], spec.DraftModel?.Name)
                : null,
            DecodeHardware = dp?.Replica.Deployment.Device.Name,
            DecodeTp = dp?.Replica.Deployment.Parallelism.Tp,
            DecodeReplicas = dp?.Count,
            KvLink = dp is null ? null : c.EffectiveKvLink?.Name,
            Requests = r.Requests,
            Completed = r.Completed,
            Rejected = r.Rejected,
            RejectReasons = r.RejectReasons.Select(x => new RejectReason(x.Reason, x.Count)).ToList(),
            DurationSeconds = N(r.DurationSeconds),
            Ttft = Stats(r.Ttft),
            Tpot = Stats(r.Tpot),
            Itl = Stats(r.Itl),
            E2e = Stats(r.E2e),
            QueueDelay = Stats(r.QueueDelay),
            ThroughputRequestsPerSecond = N(r.RequestsPerSecond),
            ThroughputTokensPerSecond = N(r.OutputTokensPerSecond),
            InputTokensPerSecond = N(r.InputTokensPerSecond),
            OutputTokensPerSecond = N(r.OutputTokensPerSecond),
            InputTokens = r.InputTokens,
            OutputTokens = r.OutputTokens,
            Goodput = N(r.Goodput),
            SloAttainment = N(r.SloAttainment),
            MetSlo = r.MetSlo,
            Classes = r.Classes.Select(x => new ClassOutput(x.Name, x.Weight, x.Input, x.Output, N(x.Slo.TtftSeconds), N(x.Slo.TpotSeconds), x.Requests, x.Completed, x.Rejected,
                x.MetSlo, N(x.SloAttainment))
            {
                // Per-class latency only where there is more than one class (one class is the run's own figures).
                Ttft = r.Classes.Count > 1 ? Stats(x.Ttft) : null,
                Tpot = r.Classes.Count > 1 ? Stats(x.Tpot) : null,
            }).ToList(),
            DeviceBusyFraction = N(r.DeviceBusyFraction),
            Preemptions = r.Preemptions,
            PreemptedRequests = r.PreemptedRequests,
            KvTransfers = r.KvTransfers,
            KvTransferSecondsMean = N(r.KvTransferSecondsMean),
            Pools = r.Pools.Select(p => new PoolOutput(p.Role, p.Hardware, p.Parallelism, p.Quantization, p.KvCacheDtype, p.Replicas, p.DevicesPerReplica, p.KvCapacityTokens,
                N(p.BusyFraction), N(p.MeanKvUsage), N(p.PeakKvUsage), p.Steps, p.Preemptions, N(p.EnergyJoules), N(p.CostUsd))).ToList(),
            Devices = r.Devices,
            EnergyJoules = N(r.EnergyJoules),
            JoulesPerOutputToken = N(r.JoulesPerOutputToken),
            CostUsd = N(r.CostUsd),
            CostUsdPerMillionOutputTokens = N(r.CostUsdPerMillionOutputTokens),
            Steps = r.Steps,
            KvUsage = r.KvUsage.Select(p => new KvUsagePoint(p.Time, p.Mean, p.Max)).ToList(),
            PrefixCache = r.PrefixCache is { } pc ? PrefixOutput(pc) : null,
            Speculation = r.Speculation is { } sp ? new SpeculationOutput(sp.Method, sp.K, sp.Verifications, sp.AcceptedDrafts, N(sp.AcceptanceRate), N(sp.TokensPerVerification),
                N(sp.ExpectedTokensPerVerification), N(sp.DraftSeconds)) : null,
            Trace = trace is null ? null : new TraceOutput(trace.Source, trace.Format == TraceFormat.Azure ? "azure" : "burstgpt", trace.Rows.Count, trace.BrokenRows,
                trace.FirstBroken.Select(b => new BrokenLine(b.Line, b.Reason)).ToList()),
            Notes = [.. (notes ?? []).Concat(d.Notes)],
        };
    }

    private static PrefixCacheOutput PrefixOutput(PrefixCacheSummary p) => new(p.Lookups, p.PromptTokens, p.HitTokens, N(p.TokenHitRate), p.PromptBlocks, p.HitBlocks,
        N(p.BlockHitRate), p.HitTokens, p.HostHitBlocks, p.SsdHitBlocks, p.EvictedBlocks, N(p.OffloadLoadSeconds), N(p.MeanOccupancy), N(p.PeakOccupancy),
        p.Occupancy.Select(x => new KvUsagePoint(x.Time, x.Mean, x.Max)).ToList());

    public static void Render(CliContext ctx, OutputFormat format, ClusterConfig c, WorkloadSpec w, RunOptions run, SimulationResult r, Trace? trace, IReadOnlyList<string> notes)
    {
        if (format == OutputFormat.Json)
        {
            ctx.Out.Write(JsonOutput.Write(ToOutput(c, w, run, r, trace, notes) with { Scenario = PlanText.ScenarioOutputOf(ctx) }));
            return;
        }
        if (format == OutputFormat.Csv) { ctx.Out.Write(Flat([(w.Arrivals is OpenArrivals open ? open.RatePerSecond : double.NaN, r)]).ToCsv()); return; }
        var rc = c.Pool.Replica;
        var d = rc.Deployment;
        var o = ctx.Out;
        if (PlanText.ScenarioLine(ctx) is { } line) o.WriteLine(line);
        string Pool(PoolSummary p) => $"{p.Role} pool of {p.Replicas} replica{(p.Replicas == 1 ? "" : "s")} x {p.DevicesPerReplica} {p.Hardware} ({p.Quantization}, KV {p.KvCacheDtype}, {p.Parallelism}), KV cache {p.KvCapacityTokens.ToString("N0", Inv)} tokens per replica";
        o.WriteLine($"{d.Model.Name}: {string.Join("; ", r.Pools.Select(Pool))}");
        o.WriteLine(rc.Engine is { } engine ? EngineText.Summary(engine, d.Quant, offline: !c.RequestOverheads) : EngineText.Generic);
        o.WriteLine($"{Serving.Scheduler.For(rc.Scheduler).Name} batching, max batch {rc.MaxBatch}, token budget {rc.EffectiveTokenBudget.ToString("N0", Inv)}, {rc.Preemption.ToString().ToLowerInvariant()} preemption{(c.Pool.Count > 1 || c.DecodePool is { Count: > 1 } ? ", router " + RouterName(c.Router) : "")}{(c.Disaggregated ? $", KV over {c.EffectiveKvLink?.Name}" : "")}");
        o.WriteLine($"workload {w.Name}: {w.Arrivals.Describe()}; seed {run.Seed}");
        foreach (var cls in w.Classes.Take(6))
            o.WriteLine($"  {cls.Name}{(w.Classes.Count > 1 ? $" (weight {cls.Weight.ToString("0.###", Inv)})" : "")}: input {cls.Input.Describe()}; output {cls.Output.Describe()}{(cls.Slo.Any ? "; SLO " + cls.Slo : "")}"
                + (cls.Prefix is { } px ? "; " + px.Describe() : "") + (cls.Session is { } ss ? "; " + ss.Describe() : "")
                + (cls.Acceptance is { } ac && rc.Speculative is not null ? "; acceptance " + ac.Describe() : ""));
        foreach (var n in notes.Concat(d.Notes)) o.WriteLine("note: " + n);
        o.WriteLine($"requests {r.Requests.ToString("N0", Inv)}: completed {r.Completed.ToString("N0", Inv)}, rejected {r.Rejected.ToString("N0", Inv)}; simulated {F.Seconds(r.DurationSeconds)} in {r.Steps.ToString("N0", Inv)} steps");
        foreach (var x in r.RejectReasons) o.WriteLine($"  rejected {x.Count.ToString("N0", Inv)}: {x.Reason}");
        var t = new Table("metric", "mean", "p50", "p90", "p95", "p99", "max").AlignRight("mean", "p50", "p90", "p95", "p99", "max");
        void Row(string name, LatencyStats s) => t.Add((name, name), (F.Seconds(s.Mean), s.Mean), (F.Seconds(s.P50), s.P50), (F.Seconds(s.P90), s.P90),
            (F.Seconds(s.P95), s.P95), (F.Seconds(s.P99), s.P99), (F.Seconds(s.Max), s.Max));
        Row("ttft", r.Ttft);
        Row("tpot", r.Tpot);
        Row("itl", r.Itl);
        Row("e2e", r.E2e);
        Row("queueDelay", r.QueueDelay);
        o.Write(t.ToText());
        o.WriteLine($"throughput: {Num(r.RequestsPerSecond, "0.###")} req/s, {Num(r.InputTokensPerSecond, "N0")} input tokens/s, {Num(r.OutputTokensPerSecond, "N0")} output tokens/s");
        o.WriteLine($"goodput: {Num(r.Goodput, "0.###")} req/s meeting every SLO; SLO attainment {(double.IsNaN(r.SloAttainment) ? "n/a" : r.SloAttainment.ToString("P1", Inv))}");
        o.WriteLine($"devices busy {r.DeviceBusyFraction.ToString("P1", Inv)}; KV usage mean {r.Pools.Average(p => p.MeanKvUsage).ToString("P1", Inv)}, peak {r.Pools.Max(p => p.PeakKvUsage).ToString("P1", Inv)}; preemptions {r.Preemptions.ToString("N0", Inv)} ({r.PreemptedRequests.ToString("N0", Inv)} requests)"
            + (r.KvTransfers > 0 ? $"; KV transfers {r.KvTransfers.ToString("N0", Inv)}, mean {F.Seconds(r.KvTransferSecondsMean)}" : ""));
        string perMillion = double.IsNaN(r.CostUsdPerMillionOutputTokens) ? "n/a per million output tokens (none completed)" : $"{r.CostUsdPerMillionOutputTokens.ToString("0.###", Inv)} USD per million output tokens";
        string cost = double.IsNaN(r.CostUsd) ? "cost n/a (no hourly price in the hardware profile)" : $"cost {r.CostUsd.ToString("0.###", Inv)} USD, {perMillion}";
        string perToken = double.IsNaN(r.JoulesPerOutputToken) ? "n/a J per output token (no output tokens)" : $"{r.JoulesPerOutputToken.ToString("0.###", Inv)} J per output token";
        o.WriteLine($"energy {(r.EnergyJoules / 3.6e6).ToString("0.###", Inv)} kWh, {perToken}; {cost}");
        if (r.PrefixCache is { } pc)
        {
            string Pct(double v) => double.IsNaN(v) ? "n/a" : v.ToString("P1", Inv);
            o.WriteLine($"prefix cache: hit rate {Pct(pc.TokenHitRate)} of prompt tokens ({pc.HitTokens.ToString("N0", Inv)} of {pc.PromptTokens.ToString("N0", Inv)}: prefill tokens saved), {Pct(pc.BlockHitRate)} of blocks ({pc.HitBlocks.ToString("N0", Inv)} of {pc.PromptBlocks.ToString("N0", Inv)}); occupancy mean {Pct(pc.MeanOccupancy)}, peak {Pct(pc.PeakOccupancy)} of KV blocks; {pc.EvictedBlocks.ToString("N0", Inv)} blocks evicted"
                + (rc.KvOffload is not null ? $"; offload tier ({rc.KvOffload.Describe()}): {pc.HostHitBlocks.ToString("N0", Inv)} blocks back from host, {pc.SsdHitBlocks.ToString("N0", Inv)} from SSD, {F.Seconds(pc.OffloadLoadSeconds)} of copies" : ""));
        }
        if (r.Speculation is { } sp)
            o.WriteLine($"speculative decoding ({sp.Method}): {sp.TokensPerVerification.ToString("0.###", Inv)} tokens per verification (acceptance model expects {sp.ExpectedTokensPerVerification.ToString("0.###", Inv)}), {sp.AcceptanceRate.ToString("P1", Inv)} of draft tokens accepted; drafting {F.Seconds(sp.DraftSeconds)} of device time");
    }

    /// <summary>One flat row per run (a rate sweep: one per rate), raw SI values.</summary>
    private static Table Flat(IReadOnlyList<(double Rate, SimulationResult R)> runs)
    {
        string[] metrics = ["ttft", "tpot", "itl", "e2e", "queueDelay"];
        string[] stats = ["Mean", "P50", "P90", "P95", "P99"];
        var columns = new List<string> { "rate", "requests", "completed", "rejected", "durationSeconds" };
        foreach (var m in metrics) foreach (var s in stats) columns.Add(m + s);
        columns.AddRange(["throughputRequestsPerSecond", "inputTokensPerSecond", "outputTokensPerSecond", "goodput", "sloAttainment", "deviceBusyFraction", "preemptions",
            "peakKvUsage", "energyJoules", "joulesPerOutputToken", "costUsdPerMillionOutputTokens"]);
        bool prefix = runs.Any(x => x.R.PrefixCache is not null), spec = runs.Any(x => x.R.Speculation is not null);
        if (prefix) columns.AddRange(["prefixTokenHitRate", "prefixBlockHitRate", "prefillTokensSaved"]);
        if (spec) columns.AddRange(["tokensPerVerification", "draftSeconds"]);
        var t = new Table(columns.ToArray());
        foreach (var (rate, r) in runs)
        {
            var cells = new List<(string, object?)> { (rate.ToString(Inv), rate), ("", r.Requests), ("", r.Completed), ("", r.Rejected), ("", r.DurationSeconds) };
            foreach (var s in new[] { r.Ttft, r.Tpot, r.Itl, r.E2e, r.QueueDelay })
                cells.AddRange([("", s.Mean), ("", s.P50), ("", s.P90), ("", s.P95), ("", s.P99)]);
            cells.AddRange([("", r.RequestsPerSecond), ("", r.InputTokensPerSecond), ("", r.OutputTokensPerSecond), ("", r.Goodput), ("", r.SloAttainment),
                ("", r.DeviceBusyFraction), ("", r.Preemptions), ("", r.Pools.Max(p => p.PeakKvUsage)), ("", r.EnergyJoules), ("", r.JoulesPerOutputToken), ("", r.CostUsdPerMillionOutputTokens)]);
            if (prefix) cells.AddRange([("", r.PrefixCache?.TokenHitRate ?? double.NaN), ("", r.PrefixCache?.BlockHitRate ?? double.NaN), ("", r.PrefixCache?.HitTokens ?? 0)]);
            if (spec) cells.AddRange([("", r.Speculation?.TokensPerVerification ?? double.NaN), ("", r.Speculation?.DraftSeconds ?? 0)]);
            t.Add(cells.ToArray());
        }
        return t;
    }

    public static void RenderSweep(CliContext ctx, OutputFormat format, ClusterConfig c, WorkloadSpec w, RunOptions run, IReadOnlyList<(double Rate, SimulationResult R)> runs)
    {
        if (format == OutputFormat.Json)
        {
            ctx.Out.Write(JsonOutput.Write(runs.Select(x => ToOutput(c, w.WithArrivals(new PoissonArrivals(x.Rate)), run, x.R) with { Rate = x.Rate, KvUsage = null }).ToList()));
            return;
        }
        if (format == OutputFormat.Csv) { ctx.Out.Write(Flat(runs).ToCsv()); return; }
        ctx.Out.WriteLine(Title(c, w) + $"; seed {run.Seed}");
        var t = new Table("rate", "completed", "rejected", "ttftP50", "ttftP99", "tpotP50", "tpotP99", "e2eP99", "req/s", "outTok/s", "goodput", "slo", "busy")
            .AlignRight("rate", "completed", "rejected", "ttftP50", "ttftP99", "tpotP50", "tpotP99", "e2eP99", "req/s", "outTok/s", "goodput", "slo", "busy");
        foreach (var (rate, r) in runs)
            t.Add((rate.ToString("0.###", Inv), rate), (r.Completed.ToString(Inv), r.Completed), (r.Rejected.ToString(Inv), r.Rejected),
                (F.Seconds(r.Ttft.P50), r.Ttft.P50), (F.Seconds(r.Ttft.P99), r.Ttft.P99), (F.Seconds(r.Tpot.P50), r.Tpot.P50), (F.Seconds(r.Tpot.P99), r.Tpot.P99),
                (F.Seconds(r.E2e.P99), r.E2e.P99), (r.RequestsPerSecond.ToString("0.###", Inv), r.RequestsPerSecond), (r.OutputTokensPerSecond.ToString("N0", Inv), r.OutputTokensPerSecond),
                (r.Goodput.ToString("0.###", Inv), r.Goodput), (r.SloAttainment.ToString("P1", Inv), r.SloAttainment), (r.DeviceBusyFraction.ToString("P1", Inv), r.DeviceBusyFraction));
        ctx.Out.Write(t.ToText());
    }
}

/// <summary>
/// Streams request records to CSV as they finish (completion order), so nothing is kept in memory. Each row reaches
/// the writer as soon as it is complete; dispose to return the CSV writer's buffers.
/// </summary>
internal sealed class RequestCsvWriter : IRequestSink, IDisposable
{
    private static readonly string[] Header =
        ["id", "class", "arrivalSeconds", "inputTokens", "outputTokens", "replica", "prefillReplica", "queueDelaySeconds", "ttftSeconds", "tpotSeconds",
         "e2eSeconds", "maxItlSeconds", "preemptions", "metSlo", "rejectReason"];

    private readonly SepWriter _csv;
    private readonly bool _cachedTokens;

    /// <summary>Writes the header at once; rows end with the writer's <see cref="TextWriter.NewLine"/> (the CLI sets \n).</summary>
    /// <param name="cachedTokens">Adds the column <c>cachedTokens</c> (prompt tokens found in the prefix cache), for runs with prefix caching.</param>
    public RequestCsvWriter(TextWriter writer, bool cachedTokens = false)
    {
        _csv = Csv.Write(writer);
        _cachedTokens = cachedTokens;
        Csv.WriteRow(_csv, cachedTokens ? [.. Header, "cachedTokens"] : Header);
    }

    public void OnRequest(in RequestRecord r)
    {
        using var row = _csv.NewRow();
        row[0].Format(r.Id);
        row[1].Set(r.ClassName);
        row[2].Set(Csv.Text(r.ArrivalTime));
        row[3].Format(r.InputTokens);
        row[4].Format(r.OutputTokens);
        row[5].Format(r.Replica);
        row[6].Format(r.PrefillReplica);
        row[7].Set(Csv.Text(r.QueueDelay));
        row[8].Set(Csv.Text(r.Ttft));
        row[9].Set(Csv.Text(r.Tpot));
        row[10].Set(Csv.Text(r.E2e));
        row[11].Set(Csv.Text(r.ItlMax));
        row[12].Format(r.Preemptions);
        row[13].Set(r.Completed && r.MetSlo ? "true" : "false");
        row[14].Set(r.RejectReason ?? "");
        if (_cachedTokens) row[15].Format(r.CachedTokens);
    }

    public void Dispose() => _csv.Dispose();
}
