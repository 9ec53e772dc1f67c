using System.CommandLine;
using System.Globalization;
using Simulator.Cli.Options;
using Simulator.Cli.Output;
using Simulator.Validation;
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
    /// <summary>Most requests one run simulates (about 320 MB of exact-percentile arrays and a minute or two of work).</summary>
    public const long MaxRequests = 10_000_000;
    /// <summary>Most replicas in one pool.</summary>
    public const int MaxReplicas = 100_000;
    /// <summary>Most closed-loop users.</summary>
    public const int MaxUsers = 1_000_000;

    private sealed class Options
    {
        public readonly DeploymentOptions Deployment = new();
        public readonly Option<int> Replicas = Opt.Int("--replicas", "Replicas behind the router (prefill replicas when disaggregated, unless --prefill-replicas)", 1, MaxReplicas, 1, "-r");
        public readonly Option<SchedulerKind> Scheduler = Opt.Choice("--scheduler", "static | continuous (vLLM-style) | chunked (Sarathi-Serve chunked prefill) | no-evict (TensorRT-LLM guaranteed no evict) | conservative (SGLang); with --engine, the engine's",
            SchedulerKind.Continuous,
            ("static", SchedulerKind.Static), ("continuous", SchedulerKind.Continuous), ("chunked", SchedulerKind.Chunked), ("no-evict", SchedulerKind.NoEvict), ("conservative", SchedulerKind.Conservative));
        public readonly Option<string?> Engine = CommonOptions.Engine();
        public readonly Option<int?> MaxConcurrency = Opt.OptionalInt("--max-concurrency", "With --rate: at most this many requests in flight; arrivals beyond it wait at the client and are sent when one finishes, their latencies counted from then (vllm bench serve's --max-concurrency)", 1, MaxUsers);
        public readonly Option<bool> Offline = new("--offline") { Description = "With --engine: an in-process run (trtllm-bench, vLLM's LLM class): no API-server overheads per request" };
        public readonly Option<int> MaxBatch = Opt.Int("--max-batch", "Most sequences per step", 1, 1_000_000, ReplicaConfig.DefaultMaxBatch);
        public readonly Option<int?> TokenBudget = Opt.OptionalInt("--token-budget", $"Most new tokens per step (default {ReplicaConfig.DefaultChunkedBudget} chunked, {ReplicaConfig.DefaultUnchunkedBudget} otherwise; longer prompts are rejected without chunking)", 1, WorkloadFile.MaxTokens);
        public readonly Option<int> BlockSize = Opt.Int("--block-size", "Tokens per KV-cache block", 1, 4096, 16);
        public readonly Option<PreemptionMode> Preemption = Opt.Choice("--preemption", "When KV blocks run out: recompute, or swap over the host link", PreemptionMode.Recompute,
            ("recompute", PreemptionMode.Recompute), ("swap", PreemptionMode.Swap));
        public readonly Option<RouterKind> Router = Opt.Choice("--router", "How requests are spread over replicas (prefix-affinity: to the replica holding the request's prefix, within a load bound)", RouterKind.RoundRobin,
            ("round-robin", RouterKind.RoundRobin), ("least-outstanding", RouterKind.LeastOutstanding), ("least-kv", RouterKind.LeastKvUsage), ("prefix-affinity", RouterKind.PrefixAffinity));
        public readonly Option<Opt.Switch> PrefixCaching = Opt.OnOff("--prefix-caching", "Automatic prefix caching: blocks of shared prefixes are kept and reused (vLLM's enable_prefix_caching)", false);
        public readonly Option<int?> SharedPrefixTokens = Opt.OptionalInt("--shared-prefix-tokens", "Every request starts with the same N-token system prompt, counted inside its prompt length (a prompt is at least N + 1 tokens)", 1, WorkloadFile.MaxTokens);
        public readonly Option<double?> KvOffload = Opt.Quantity("--kv-offload", QuantityKind.Bytes, "Host memory per replica for a KV offload tier (evicted prefix blocks, swapped requests), e.g. '256 GiB'; blocks come back over the device's host link", max: 1e18);
        public readonly Option<double?> KvOffloadSsd = Opt.Quantity("--kv-offload-ssd", QuantityKind.Bytes, "Local SSD per replica behind the host tier, e.g. '2 TB' (needs --kv-offload)", max: 1e18);
        public readonly Option<double?> KvOffloadSsdBandwidth = Opt.Quantity("--kv-offload-ssd-bandwidth", QuantityKind.Bandwidth, "Read bandwidth of the SSD tier", "7 GB/s", max: 1e15);
        public readonly Option<Opt.SpeculativeChoice?> Speculative = Opt.Speculative("--speculative", "Speculative decoding: draft (a draft model), eagle (EAGLE heads), mtp (multi-token prediction) or ngram, with k draft tokens and the acceptance rate (rates per position: 0.9/0.8/0.7), e.g. draft,k=4,acceptance=0.7,draft=llama-3.2-1b");
        public readonly Option<string?> Workload = new("--workload", "-w") { Description = $"Preset ({string.Join(", ", Presets.Names)}; default chat) or a workload YAML file (docs/FORMATS.md)" };
        public readonly Option<string?> Trace = new("--trace") { Description = "Replay a CSV trace (BurstGPT or Azure format)" };
        public readonly Option<Serving.TraceFormat?> TraceFormat = Opt.Choice<Serving.TraceFormat?>("--trace-format", "Trace format (default: recognised from the header: auto)", null,
            ("auto", null), ("burstgpt", Serving.TraceFormat.BurstGpt), ("azure", Serving.TraceFormat.Azure));
        public readonly Option<double?> TimeScale = Opt.Number("--time-scale", "Replay the trace this many times faster (0.5 = half speed)", 0, 1e6, 1.0, unitWord: "factor");
        public readonly Option<double?> Rate = Opt.Number("--rate", "Open-loop arrivals per second (Poisson unless --arrival says otherwise)", 0, 1e7, unitWord: "requests/s");
        public readonly Option<ArrivalKind> Arrival = Opt.Choice("--arrival", "Open-loop process for --rate: poisson | gamma (with --cv) | constant", ArrivalKind.Poisson,
            ("poisson", ArrivalKind.Poisson), ("gamma", ArrivalKind.Gamma), ("constant", ArrivalKind.Constant));
        public readonly Option<double?> Cv = Opt.Number("--cv", "Coefficient of variation of Gamma inter-arrival times (> 1: bursty)", 0, 100, 1.0, unitWord: "ratio");
        public readonly Option<int?> Concurrency = Opt.OptionalInt("--concurrency", "Closed loop: this many users, each sending its next request when the last one ends (vLLM's --max-concurrency is a cap on an open-loop rate instead)", 1, MaxUsers);
        public readonly Option<double?> ThinkTime = Opt.Quantity("--think-time", QuantityKind.Time, "Closed loop: mean think time between a user's requests (exponential), e.g. '2 s'", max: 1e7, allowZero: true);
        public readonly Option<long?> Requests = Opt.Count("--requests", "Requests to simulate (default 1000 without --duration; a trace: all rows)", 1, MaxRequests, null, "-n");
        public readonly Option<double?> Duration = Opt.Quantity("--duration", QuantityKind.Time, "Stop new arrivals after this long, e.g. '10 min'; requests in flight finish", max: 1e9);
        public readonly Option<int?> InputTokens = Opt.OptionalInt("--input-tokens", "Fixed prompt length for every request (overrides the workload or trace)", 1, WorkloadFile.MaxTokens);
        public readonly Option<int?> OutputTokens = Opt.OptionalInt("--output-tokens", "Fixed output length for every request (overrides the workload or trace)", 1, WorkloadFile.MaxTokens);
        public readonly Option<bool> Disaggregate = new("--disaggregate") { Description = "Separate prefill and decode pools; the prompt's KV cache moves between them" };
        public readonly Option<string?> PrefillHardware = new("--prefill-hardware") { Description = "Prefill pool hardware (default --hardware)" };
        public readonly Option<int?> PrefillTp = Opt.OptionalInt("--prefill-tp", "Prefill pool TP (default --tp)", 1, DeploymentOptions.MaxParallel);
        public readonly Option<int?> PrefillReplicas = Opt.OptionalInt("--prefill-replicas", "Prefill replicas (default --replicas)", 1, MaxReplicas);
        public readonly Option<string?> DecodeHardware = new("--decode-hardware") { Description = "Decode pool hardware (default --hardware)" };
        public readonly Option<int?> DecodeTp = Opt.OptionalInt("--decode-tp", "Decode pool TP (default --tp)", 1, DeploymentOptions.MaxParallel);
        public readonly Option<int?> DecodeReplicas = Opt.OptionalInt("--decode-replicas", "Decode replicas (default --replicas)", 1, MaxReplicas);
        public readonly Option<string?> KvLink = new("--kv-link") { Description = "Interconnect the KV cache crosses between pools (default: the decode hardware's inter-node link, else its host link)" };
        public readonly Option<int> Seed = new("--seed") { Description = "Seed of every random stream (default 1)", DefaultValueFactory = _ => 1 };
        public readonly Option<OutputFormat> Format = CommonOptions.Format();
        public readonly Option<string?> RequestsOut = new("--requests-out") { Description = "Write one CSV row per request (completed or rejected) to this file" };
        public readonly Option<string?> Plot = CommonOptions.Plot("Chart file (.png or .svg): latency CDFs (and FILE-kv: KV usage over time); with --rate-sweep, latency and goodput against load");
        public readonly Option<IReadOnlyList<double>> RateSweep = Opt.NumberList("--rate-sweep", "Run once per arrival rate, e.g. 1,2,4,8", 1e7, "rate in requests/s");
        public readonly Option<double?> TtftSlo = Opt.Quantity("--ttft-slo", QuantityKind.Time, "TTFT target for every request, e.g. '500 ms' (overrides the workload's)", max: 3600);
        public readonly Option<double?> TpotSlo = Opt.Quantity("--tpot-slo", QuantityKind.Time, "TPOT target for every request, e.g. '50 ms' (overrides the workload's)", max: 3600);

        public IEnumerable<Option> All() =>
        [
            Replicas, Scheduler, MaxBatch, TokenBudget, BlockSize, Preemption, Router, PrefixCaching, SharedPrefixTokens, KvOffload, KvOffloadSsd, KvOffloadSsdBandwidth,
            Speculative, Workload, Trace, TraceFormat, TimeScale, Rate, Arrival, Cv,
            Concurrency, ThinkTime, Requests, Duration, InputTokens, OutputTokens, Disaggregate, PrefillHardware, PrefillTp, PrefillReplicas,
            DecodeHardware, DecodeTp, DecodeReplicas, KvLink, Seed, Format, RequestsOut, Plot, RateSweep, TtftSlo, TpotSlo, Engine, MaxConcurrency, Offline,
        ];
    }

    public static Command Create(CliContext ctx)
    {
        var cmd = new Command("simulate", "Discrete-event simulation of serving a workload on a cluster: TTFT, TPOT, E2E percentiles, throughput, goodput, KV usage, energy, cost");
        var o = new Options();
        o.Deployment.AddTo(cmd);
        foreach (var opt in o.All()) cmd.Options.Add(opt);
        cmd.Arguments.Add(Scenario.Argument());
        cmd.SetAction(r => Execute(ctx, o, r));
        return cmd;
    }

    private static bool Given(ParseResult r, Option o) => r.GetResult(o) is { Implicit: false };

    private static int Execute(CliContext ctx, Options o, ParseResult r)
    {
        var lib = ctx.Library(r);
        var notes = new List<string>();
        string? plot = CommonOptions.CheckPlotPath(r.GetValue(o.Plot));
        string? requestsOut = r.GetValue(o.RequestsOut);
        if (requestsOut is not null) OutputFile.CheckWritable(requestsOut, "--requests-out");
        var engine = ctx.Engine(r.GetValue(o.Engine));
        if (engine is null && Given(r, o.Offline)) throw new CliException("--offline applies to --engine (the generic engine has no API-server overheads)");
        var cluster = BuildCluster(o, r, lib, ctx.Devices, engine);
        if (engine is not null && o.Deployment.EngineNote is { } engineNote) notes.Add(engineNote);
        if (engine is not null && o.Deployment.KvNote is { } kvNote) notes.Add(kvNote);
        var (workload, trace, workloadNotes) = BuildWorkload(o, r, cluster.Pool.Replica.PrefixCaching);
        notes.AddRange(workloadNotes);
        var sweep = r.GetValue(o.RateSweep)!;
        long? requests = r.GetValue(o.Requests);
        double? duration = r.GetValue(o.Duration);
        if (trace is null && requests is null && duration is null) requests = 1000;
        if (requests is null && duration is { } dur)
        {
            // Bound the work a duration implies: open-loop arrivals expected in it, or a hard cap for closed loops.
            double expected = workload.Arrivals is ClosedLoopArrivals ? double.NaN : dur * Math.Max(sweep.DefaultIfEmpty(0).Max(), (workload.Arrivals is OpenArrivals oa ? oa.RatePerSecond : 0));
            if (expected > MaxRequests) throw new CliException($"--duration {Core.Units.Format.Seconds(dur)} at this rate means about {expected:N0} requests; one run simulates at most {MaxRequests:N0} (shorten --duration or give --requests)");
            if (trace is null && workload.Arrivals is ClosedLoopArrivals)
            {
                requests = MaxRequests;
                notes.Add($"closed loop with --duration: at most {MaxRequests:N0} requests are simulated (the most one run takes); the run reports how many arrived");
            }
        }
        var run = new RunOptions { Seed = r.GetValue(o.Seed), Requests = requests, DurationSeconds = duration };
        var format = r.GetValue(o.Format);
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
                ChartOutput.Save(RateSweepChart.Build(points, SimulateOutput.Title(cluster, workload), SimulateOutput.SloTargets(workload)), plot);
                ctx.Err.WriteLine($"wrote {plot}");
            }
            return 0;
        }

        SimulationResult result;
        if (requestsOut is not null)
        {
            // Streamed to a temporary file and moved into place only when the run completes: a failure leaves nothing behind.
            using var file = OutputFile.Open(requestsOut, "--requests-out");
            try
            {
                using var sink = new RequestCsvWriter(file.Writer, cluster.Pool.Replica.PrefixCaching);
                result = RunOne(ctx, cluster, workload, run, sink, null);
            }
            catch (IOException e) { throw file.Fail(e); }
            file.Commit();
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
            ChartOutput.Save(LatencyCdfChart.Build(series, title, SimulateOutput.SloTargets(workload)), plot);
            string kvPath = Path.Combine(Path.GetDirectoryName(plot) ?? "", Path.GetFileNameWithoutExtension(plot) + "-kv" + Path.GetExtension(plot));
            ChartOutput.Save(KvUsageChart.Build(result.KvUsage, title), kvPath);
            ctx.Err.WriteLine($"wrote {plot}");
            ctx.Err.WriteLine($"wrote {kvPath}");
            if (result.PrefixCache is { } pc)
            {
                // Cache occupancy over time: blocks named in prefix tables (held or cached) as a share of the pool's blocks.
                string prefixPath = Path.Combine(Path.GetDirectoryName(plot) ?? "", Path.GetFileNameWithoutExtension(plot) + "-prefix" + Path.GetExtension(plot));
                var occupancy = KvUsageChart.Build(pc.Occupancy, title + $", prefix cache hit rate {pc.TokenHitRate:P1}");
                occupancy.YLabel("KV blocks holding cached prefixes (%)");
                ChartOutput.Save(occupancy, prefixPath);
                ctx.Err.WriteLine($"wrote {prefixPath}");
            }
        }
        return 0;
    }

    private static SimulationResult RunOne(CliContext ctx, ClusterConfig cluster, WorkloadSpec workload, RunOptions run, IRequestSink? sink, string? label)
    {
        using var line = ctx.Progress("simulating" + (label is null ? "" : " " + label));
        Action<SimulationProgress> progress = p =>
        {
            if (p.Target == long.MaxValue) line.Report($"{p.Finished:N0} requests done, t = {p.Now:0.0} s");
            else line.Report((double)p.Finished / p.Target, $"{p.Finished:N0} of {p.Target:N0} requests, t = {p.Now:0.0} s");
        };
        try
        {
            return ServingSimulator.Run(cluster, workload, run, sink, null, ctx.Interactive ? progress : null);
        }
        catch (ArgumentException e)
        {
            throw new CliException(e.Message);
        }
    }

    // ------------------------------------------------------------------ cluster

    private static ClusterConfig BuildCluster(Options o, ParseResult r, SpecLibrary lib, DeviceResolver devices, EngineProfile? engine)
    {
        bool disaggregate = r.GetValue(o.Disaggregate);
        if (!disaggregate)
        {
            foreach (var opt in new Option[] { o.PrefillHardware, o.PrefillTp, o.PrefillReplicas, o.DecodeHardware, o.DecodeTp, o.DecodeReplicas, o.KvLink })
                if (Given(r, opt)) throw new CliException($"{opt.Name} needs --disaggregate");
        }
        var settings = new ReplicaSettings(r.GetValue(o.Scheduler), r.GetValue(o.MaxBatch), r.GetValue(o.TokenBudget) ?? 0, r.GetValue(o.BlockSize), r.GetValue(o.Preemption))
        {
            PrefixCaching = r.GetValue(o.PrefixCaching),
            KvOffload = Offload(o, r),
        };
        if (r.GetValue(o.Speculative) is { } spec)
            settings = settings with
            {
                Speculative = new SpeculativeConfig(spec.Method, spec.EffectiveK, spec.Acceptance) { DraftModel = spec.Draft is { } draft ? lib.Model(draft) : null },
            };
        if (r.GetValue(o.Router) == RouterKind.PrefixAffinity && disaggregate) throw new CliException("--router prefix-affinity routes by cached prefixes in one pool; with --disaggregate the prefill pool caches prefixes, so it applies there: leave --disaggregate out, or use another router");
        if (engine is not null)
            settings = settings with
            {
                Engine = engine,
                // With an engine, only what the user wrote overrides the engine's defaults.
                Choices = new EngineChoices(Given(r, o.Scheduler) ? r.GetValue(o.Scheduler) : null, Given(r, o.MaxBatch) ? r.GetValue(o.MaxBatch) : null,
                    r.GetValue(o.TokenBudget), Given(r, o.BlockSize) ? r.GetValue(o.BlockSize) : null, Given(r, o.Preemption) ? r.GetValue(o.Preemption) : null)
                {
                    PrefixCaching = Given(r, o.PrefixCaching) ? r.GetValue(o.PrefixCaching) : null,
                },
            };
        Interconnect? HostLink(HardwareProfile d) => d.Interconnects.Host is { } name ? lib.Interconnect(name) : null;
        int replicas = r.GetValue(o.Replicas);
        try
        {
            if (!disaggregate)
            {
                var d = o.Deployment.Resolve(r, lib, devices, engine: engine);
                return Served(ClusterBuilder.Aggregated(d, HostLink(d.Device), replicas, settings, r.GetValue(o.Router)));
            }
            var prefill = o.Deployment.Resolve(r, lib, devices, r.GetValue(o.PrefillHardware), r.GetValue(o.PrefillTp), engine);
            var decode = o.Deployment.Resolve(r, lib, devices, r.GetValue(o.DecodeHardware), r.GetValue(o.DecodeTp), engine);
            Interconnect? link = r.GetValue(o.KvLink) is { } name ? lib.Interconnect(name) : null;
            return Served(ClusterBuilder.Disaggregated(prefill, HostLink(prefill.Device), r.GetValue(o.PrefillReplicas) ?? replicas,
                decode, HostLink(decode.Device), r.GetValue(o.DecodeReplicas) ?? replicas, settings, r.GetValue(o.Router), link));
        }
        catch (SetupException e) { throw new CliException(e.Message); }
        ClusterConfig Served(ClusterConfig c) => r.GetValue(o.Offline) ? c with { RequestOverheads = false } : c;
    }

    /// <summary>The KV offload tier the options describe, or null.</summary>
    private static KvOffloadConfig? Offload(Options o, ParseResult r)
    {
        double? host = r.GetValue(o.KvOffload);
        if (host is null)
        {
            if (Given(r, o.KvOffloadSsd) || Given(r, o.KvOffloadSsdBandwidth)) throw new CliException("--kv-offload-ssd and --kv-offload-ssd-bandwidth need --kv-offload (the host tier in front of the SSD)");
            return null;
        }
        if (Given(r, o.KvOffloadSsdBandwidth) && !Given(r, o.KvOffloadSsd)) throw new CliException("--kv-offload-ssd-bandwidth applies to --kv-offload-ssd");
        return new KvOffloadConfig(host.Value)
        {
            SsdBytes = r.GetValue(o.KvOffloadSsd) ?? 0,
            SsdBandwidthBytesPerSecond = r.GetValue(o.KvOffloadSsdBandwidth) ?? KvOffloadConfig.DefaultSsdBandwidthBytesPerSecond,
        };
    }

    // ------------------------------------------------------------------ workload

    /// <summary>The workload options as a request to the Serving builder; option combinations are checked here, the building happens there.</summary>
    /// <param name="prefixCaching">Whether the replicas cache prefixes (the option, or the engine's default).</param>
    private static (WorkloadSpec Workload, Trace? Trace, List<string> Notes) BuildWorkload(Options o, ParseResult r, bool prefixCaching)
    {
        string? tracePath = r.GetValue(o.Trace);
        double? rate = r.GetValue(o.Rate);
        int? users = r.GetValue(o.Concurrency);
        if (rate is not null && users is not null) throw new CliException("give --rate (open loop) or --concurrency (closed loop), not both");
        if (tracePath is not null)
        {
            if (r.GetValue(o.Workload) is not null) throw new CliException("give --workload or --trace, not both");
            if (rate is not null || users is not null) throw new CliException("a trace brings its own arrival times; use --time-scale to speed it up or slow it down instead of --rate or --concurrency");
        }
        else if (Given(r, o.TraceFormat) || Given(r, o.TimeScale)) throw new CliException("--trace-format and --time-scale apply to --trace");
        if (r.GetValue(o.Arrival) != ArrivalKind.Gamma && Given(r, o.Cv)) throw new CliException("--cv applies to --arrival gamma");
        if (Given(r, o.ThinkTime) && users is null) throw new CliException("--think-time applies to --concurrency");
        int? cap = r.GetValue(o.MaxConcurrency);
        if (cap is not null && rate is null && r.GetValue(o.RateSweep)!.Count == 0)
            throw new CliException("--max-concurrency caps an open-loop --rate (vllm bench serve's meaning); for a fixed number of users each sending its next request when the last ends, use --concurrency");
        var request = new WorkloadRequest
        {
            TracePath = tracePath,
            TraceFormat = r.GetValue(o.TraceFormat),
            TimeScale = r.GetValue(o.TimeScale) ?? 1,
            Workload = r.GetValue(o.Workload),
            Rate = rate,
            Arrival = r.GetValue(o.Arrival),
            Cv = r.GetValue(o.Cv) ?? 1,
            Users = users,
            ThinkSeconds = r.GetValue(o.ThinkTime) ?? 0,
            InputTokens = r.GetValue(o.InputTokens),
            OutputTokens = r.GetValue(o.OutputTokens),
            TtftSloSeconds = r.GetValue(o.TtftSlo) ?? double.NaN,
            TpotSloSeconds = r.GetValue(o.TpotSlo) ?? double.NaN,
            RateGivenElsewhere = r.GetValue(o.RateSweep)!.Count > 0,
            MaxConcurrency = cap,
        };
        (WorkloadSpec Workload, Trace? Trace, List<string> Notes) built;
        try { built = WorkloadBuilder.Build(request); }
        catch (SetupException e) { throw new CliException(e.Message); }
        if (r.GetValue(o.SharedPrefixTokens) is int shared)
        {
            built.Workload = built.Workload.WithSharedPrefix(shared);
            if (!prefixCaching) built.Notes.Add($"--shared-prefix-tokens {shared} without --prefix-caching on: every prompt is computed in full");
        }
        else if (!prefixCaching && built.Workload.HasSharedPrefixes)
            built.Notes.Add("the workload shares prefixes, but --prefix-caching is off: every prompt is computed in full");
        return built;
    }

    private static ArrivalProcess OpenProcess(Options o, ParseResult r, double rate) =>
        WorkloadBuilder.Capped(WorkloadBuilder.Open(r.GetValue(o.Arrival), rate, r.GetValue(o.Cv) ?? 1), r.GetValue(o.MaxConcurrency));
}
