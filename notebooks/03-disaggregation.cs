// %% [markdown]
// # 3. Disaggregated or aggregated serving for long prompts?
//
// A long-prompt workload: every request brings an **8,000-token prompt** (a document, a retrieved context) and
// asks for **200 output tokens**, at **4 requests per second**, served by **Llama-3.1-70B** in bf16 on
// **H100 SXM** GPUs (the `hgx-h100` cluster: 8 GPUs per node on NVLink 4, InfiniBand NDR between nodes).
// Targets: time to first token (TTFT) ≤ 2 s and time per output token (TPOT) ≤ 30 ms.
//
// On an aggregated replica, each 8,000-token prefill stalls the decodes that share the GPUs, which hurts TPOT.
// Disaggregation (DistServe, Splitwise) runs prompts on a prefill pool and generation on a decode pool and moves
// each prompt's KV cache between them, so decodes never wait behind a prompt, at the price of a transfer.
//
// Where the numbers come from: the workload and the targets are an assumption chosen for this example (tight
// TPOT, long prompts: the case disaggregation is meant for); the model's dimensions are its Hugging Face
// config; the H100's figures are the datasheet's (`hardware-profiles/gpu/h100-sxm.yaml`, which also gives its
// hourly price, a cloud list price); the KV transfer uses the InfiniBand NDR profile
// (`hardware-profiles/interconnects/`). Step 1 uses the planner's analytic capacity model (means); step 2
// checks both plans with the discrete-event serving simulator, request by request.
//
// Run it with `dotnet run notebooks/03-disaggregation.cs`.

// %%
#:project ../src/Simulator.Planner/Simulator.Planner.csproj
#:project ../src/Simulator.Serving/Simulator.Serving.csproj
#:project ../src/Simulator.Validation/Simulator.Validation.csproj
#:project ../src/Simulator.Plotting/Simulator.Plotting.csproj
using System.Globalization;
using Simulator.Core.Loading;
using Simulator.Core.Specs;
using Simulator.Planner;
using Simulator.Plotting;
using Simulator.Roofline;
using Simulator.Serving;
using Simulator.Validation;
using F = Simulator.Core.Units.Format;

// %% [markdown]
// ## Setup
//
// Find the repository (the folder holding `Simulator.sln`) so the shipped library is used; table and chart
// helpers (charts go to `notebooks/output/`); and the device with its shipped calibration, as `llmsim` loads it.

// %%
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;

string FindRoot()
{
    foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.GetData("EntryPointFileDirectoryPath") as string })
        for (var dir = start is null ? null : new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Simulator.sln"))) return dir.FullName;
    throw new DirectoryNotFoundException("Simulator.sln not found above the current folder; run this from inside the repository");
}

var root = FindRoot();
var lib = new SpecLibrary(Path.Combine(root, "hardware-profiles"), Path.Combine(root, "model-specs"));
var outDir = Environment.GetEnvironmentVariable("NOTEBOOK_OUTPUT_DIR") is { Length: > 0 } o ? o : Path.Combine(root, "notebooks", "output");

void PrintTable(string[] header, IEnumerable<string[]> rows)
{
    var all = new List<string[]> { header };
    all.AddRange(rows);
    var widths = Enumerable.Range(0, header.Length).Select(i => all.Max(r => r[i].Length)).ToArray();
    string Line(string[] r) => string.Join("  ", r.Select((c, i) => i == 0 ? c.PadRight(widths[i]) : c.PadLeft(widths[i]))).TrimEnd();
    Console.WriteLine(Line(header));
    Console.WriteLine(string.Join("  ", widths.Select(w => new string('-', w))));
    foreach (var r in all.Skip(1)) Console.WriteLine(Line(r));
}

void SaveChart(ScottPlot.Plot plot, string file)
{
    string path = Path.Combine(outDir, file);
    ChartFile.Save(plot, path);
    Console.WriteLine($"chart: {Path.GetRelativePath(Path.Combine(root, "notebooks"), path).Replace('\\', '/')}");
}

// The H100 and its cluster (hgx-h100) with the shipped calibration applied, and the efficiency model that goes with it.
var rawDevice = lib.Hardware("h100-sxm");
var (device, efficiency) = CalibrationFile.Calibrated(rawDevice);
var cluster = CalibrationFile.Calibrated(lib.DefaultCluster(rawDevice)) with { Device = device };
Console.WriteLine($"{device.DisplayName}: {F.Bandwidth(device.MemoryBandwidthBytesPerSecond)}, {F.Flops(device.PeakOpsPerSecond[DataType.Bf16])} bf16, " +
    $"{device.Price.HourlyUsd:0.00} USD/h; cluster {cluster.Name}: {cluster.DevicesPerNode} per node, {cluster.IntraNode?.Name} within, {cluster.InterNode?.Name} between nodes");

// %% [markdown]
// ## Step 1: the planner's plan for each architecture
//
// The same request twice: once with aggregated replicas only, once also allowing a prefill pool and a decode pool.
// The quantization is fixed to bf16 so that only the architecture differs, GPUs are counted one by one (not in
// whole nodes), and batch limits 32–256 are searched. This is
// `llmsim plan --model llama-3.1-70b --hardware h100-sxm --rate 4 --input-tokens 8000 --output-tokens 200
// --ttft-slo 2s --tpot-slo 30ms --quant bf16 --whole-nodes off --allow-disaggregation off|on`.
//
// A disaggregated plan's prefill pool must leave room in the TTFT target for the KV transfer: 8,000 tokens ×
// 320 KiB per token = 2.6 GB over InfiniBand NDR.

// %%
var model = lib.Model("llama-3.1-70b");
const int PromptTokens = 8000, OutputTokens = 200;
const double Rate = 4, TtftTarget = 2.0, TpotTarget = 0.030;
var demand = new Demand(Rate, PromptTokens, OutputTokens);
var limits = new Constraints(new Dictionary<string, double>(), new Dictionary<string, int>(), MaxDevicesTotal: 64,
    WholeNodes: false, PowerBudgetWatts: double.MaxValue, BudgetUsdPerHour: double.MaxValue);

Plan PlanFor(bool allowDisaggregation)
{
    var request = new PlanRequest(model, [new HardwareOption(device, cluster) { Efficiency = efficiency }], demand, new Slo(TtftTarget, TpotTarget),
        [QuantizationScheme.Bf16], [32, 64, 128, 256], limits, Objective.Cost, allowDisaggregation, Top: 1);
    return new Planner(new AnalyticCapacity(model)).Plan(request).Plans[0];
}

var aggregatedPlan = PlanFor(allowDisaggregation: false);
var disaggregatedPlan = PlanFor(allowDisaggregation: true);
if (!disaggregatedPlan.Disaggregated) throw new InvalidOperationException("the planner preferred aggregated replicas even with disaggregation allowed");

var tp4 = new CostModel(Deployment.Create(model, device, QuantizationScheme.Bf16, new Parallelism(4), cluster, efficiency: efficiency));
var prefillShape = BatchShape.Create();
prefillShape.AddPrefill(PromptTokens);
var decodeShape = BatchShape.Create();
decodeShape.AddDecode(PromptTokens + OutputTokens / 2, 16);
Console.WriteLine($"on one TP4 replica: one {PromptTokens:N0}-token prefill step {F.Seconds(tp4.StepSeconds(prefillShape))}, " +
    $"one decode step of 16 requests {F.Seconds(tp4.StepSeconds(decodeShape))}");
double kvBytes = ModelMath.KvCacheBytesPerToken(model) * PromptTokens;
Console.WriteLine($"KV cache of one prompt: {F.Bytes(kvBytes)}; transfer over {cluster.InterNode!.Name}: " +
    $"{F.Seconds(Planner.KvTransferSeconds(model, disaggregatedPlan.Items.First(i => i.Capacity.Config.Role == ReplicaRole.Decode).Capacity.Config, PromptTokens))}");
Console.WriteLine();

string Describe(Plan p) => string.Join(" + ", p.Items.Select(i =>
    $"{i.Count}x {i.Capacity.Config.Parallelism} b{i.Capacity.Config.MaxBatch}{(i.Capacity.Config.Role == ReplicaRole.Aggregated ? "" : " " + i.Capacity.Config.Role.ToString().ToLowerInvariant())}"));

PrintTable(["architecture", "plan (replicas x config)", "GPUs", "USD/h", "capacity", "TTFT (analytic mean)", "TPOT (analytic mean)"],
    new[] { ("aggregated", aggregatedPlan), ("disaggregated", disaggregatedPlan) }.Select(x => new[]
    {
        x.Item1, Describe(x.Item2), x.Item2.Devices.ToString(), x.Item2.CostPerHour.ToString("0.00"), $"{x.Item2.CapacityRequestsPerSecond:0.00} req/s",
        F.Seconds(x.Item2.PredictedTtftP90Seconds), F.Seconds(x.Item2.PredictedTpotP90Seconds),
    }));

// %% [markdown]
// The planner's latencies are analytic means (M/D/1 queueing for prompts, an average decode step); the targets
// are meant at the 90th percentile. The simulator answers that.
//
// ## Step 2: simulate both plans
//
// Each plan becomes a serving cluster for the discrete-event simulator (`ServingSimulator`): every replica runs
// vLLM-style continuous batching (a step is a prefill of waiting prompts, up to 16,384 tokens, or a decode step
// of every running request) with the plan's batch limit and a paged KV cache; the router sends requests round-robin.
// In the disaggregated cluster the prefill pool hands each prompt's KV cache to a decode replica over InfiniBand
// NDR, and the first token counts only once the cache has arrived. Traffic: 3,000 requests, Poisson arrivals at
// 4 req/s, fixed lengths 8,000 / 200, seed 1 (the same requests for every cluster).
//
// A third run keeps the aggregated plan's 28 GPUs but switches its replicas to **chunked prefill** (Sarathi-Serve:
// every step carries all running decodes plus prompt chunks up to 2,048 tokens), the usual alternative to
// disaggregation for protecting TPOT.

// %%
Simulator.Serving.ReplicaConfig Replica(CandidateConfig c) =>
    new(Deployment.Create(model, c.Device, c.Quant, c.Parallelism, c.Cluster, efficiency: efficiency)) { MaxBatch = c.MaxBatch };

PoolConfig Pool(Plan plan, ReplicaRole role)
{
    var items = plan.Items.Where(i => i.Capacity.Config.Role == role).ToList();
    if (items.Select(i => i.Capacity.Config.Key).Distinct().Count() != 1)
        throw new InvalidOperationException($"the {role} part of the plan mixes configurations; a simulator pool holds identical replicas");
    return new PoolConfig(Replica(items[0].Capacity.Config), items.Sum(i => i.Count));
}

var aggregatedCluster = new ClusterConfig(Pool(aggregatedPlan, ReplicaRole.Aggregated));
var disaggregatedCluster = new ClusterConfig(Pool(disaggregatedPlan, ReplicaRole.Prefill)) { DecodePool = Pool(disaggregatedPlan, ReplicaRole.Decode) };

var requestClass = new RequestClass("long-prompt", 1, new FixedLength(PromptTokens), new FixedLength(OutputTokens), new Slo(TtftTarget, TpotTarget));
var workload = new WorkloadSpec("long-prompt", [requestClass], new PoissonArrivals(Rate));
var options = new RunOptions { Seed = 1, Requests = 3000 };
var chunkedCluster = aggregatedCluster with { Pool = aggregatedCluster.Pool with { Replica = aggregatedCluster.Pool.Replica with { Scheduler = SchedulerKind.Chunked } } };
var results = new (string Name, SimulationResult Result)[]
{
    ("aggregated", ServingSimulator.Run(aggregatedCluster, workload, options)),
    ("aggregated, chunked", ServingSimulator.Run(chunkedCluster, workload, options)),
    ("disaggregated", ServingSimulator.Run(disaggregatedCluster, workload, options)),
};

string Ms(double s) => F.Seconds(s);
PrintTable(["architecture", "GPUs", "TTFT p50", "TTFT p90", "TTFT p99", "TPOT p50", "TPOT p90", "TPOT p99", "SLO met", "goodput", "busy", "USD per M out tokens"],
    results.Select(x => new[]
    {
        x.Name, x.Result.Devices.ToString(), Ms(x.Result.Ttft.P50), Ms(x.Result.Ttft.P90), Ms(x.Result.Ttft.P99),
        Ms(x.Result.Tpot.P50), Ms(x.Result.Tpot.P90), Ms(x.Result.Tpot.P99), x.Result.SloAttainment.ToString("P1"),
        $"{x.Result.Goodput:0.00} req/s", x.Result.DeviceBusyFraction.ToString("P0"), x.Result.CostUsdPerMillionOutputTokens.ToString("0.00"),
    }));
Console.WriteLine();
foreach (var (name, r) in results)
{
    Console.WriteLine($"{name}: {r.Completed:N0} of {r.Requests:N0} requests completed, {r.Rejected} rejected, {r.DurationSeconds:0.0} s simulated, " +
        $"{r.Preemptions} preemptions" + (r.KvTransfers > 0 ? $", {r.KvTransfers:N0} KV transfers of {Ms(r.KvTransferSecondsMean)} on average" : ""));
    foreach (var pool in r.Pools)
        Console.WriteLine($"  {pool.Role} pool: {pool.Replicas} x {pool.Parallelism} {pool.Quantization}, KV cache {pool.KvCapacityTokens:N0} tokens per replica, " +
            $"busy {pool.BusyFraction:P0}, KV usage mean {pool.MeanKvUsage:P0} / peak {pool.PeakKvUsage:P0}");
}

// %% [markdown]
// ## Latency distributions
//
// The cumulative distribution of every completed request's TTFT and TPOT (its mean time between output
// tokens), for the three runs; the black line is the target (dashed for TTFT, dotted for TPOT). A curve that reaches 1 left of the line means every
// request met that target.

// %%
ScottPlot.Plot Cdf(string metric, Func<SimulationResult, Samples> samples, double target)
{
    var plot = LatencyCdfChart.Build(results.Select(x => ($"{x.Name} ({x.Result.Devices} GPUs)", samples(x.Result).Sorted().ToArray())).ToList(),
        $"{model.Name}, {PromptTokens:N0}-token prompts, {OutputTokens} output, {Rate:0} req/s: {metric}",
        [new SloTarget(metric == "TTFT" ? SloMetric.Ttft : SloMetric.Tpot, target)]);
    // Readable ticks on the log time axis even when the data span less than a decade: 1, 1.5, 2, 2.5, 3 ... 9 × 10^k ms.
    var all = results.SelectMany(x => samples(x.Result).Sorted().ToArray()).Append(target).Select(v => v * 1e3).ToArray();
    double lo = all.Min(), hi = all.Max();
    var ticks = Enumerable.Range((int)Math.Floor(Math.Log10(lo)), (int)Math.Ceiling(Math.Log10(hi)) - (int)Math.Floor(Math.Log10(lo)) + 1)
        .SelectMany(k => new[] { 1, 1.5, 2, 2.5, 3, 4, 5, 6, 7, 8, 9 }.Select(m => m * Math.Pow(10, k)))
        .Where(v => v >= lo / 1.05 && v <= hi * 1.05).ToList();
    if (ticks.Count > 12) ticks = ticks.Where(v => new[] { 1.0, 2, 5 }.Any(m => Math.Abs(v / Math.Pow(10, Math.Floor(Math.Log10(v) + 1e-9)) - m) < 1e-9)).ToList();
    plot.Axes.Bottom.SetTicks(ticks.Select(Math.Log10).ToArray(), ticks.Select(v => v.ToString("0.##")).ToArray());
    return plot;
}

SaveChart(Cdf("TTFT", r => r.TtftSamples, TtftTarget), "03-disaggregation-ttft-cdf.png");
SaveChart(Cdf("TPOT", r => r.TpotSamples, TpotTarget), "03-disaggregation-tpot-cdf.png");

// %% [markdown]
// ## Reading the result
//
// - **Aggregated** replicas start prompts almost at once (the continuous scheduler runs a waiting prompt before
//   the next decode step), so TTFT is low and tight. But every 8,000-token prefill stalls the decodes on its
//   replica for a whole prefill step (over half a second), so TPOT spreads out: its 90th percentile lands just
//   above the 30 ms target and about one request in six misses it.
// - **Chunked prefill** on the same 28 GPUs interleaves prompt chunks with decodes and removes most of those
//   stalls: more requests meet both targets, at a slightly higher TTFT.
// - **Disaggregated** serving meets the TPOT target with room to spare (decodes never wait behind a prompt) on
//   16 GPUs instead of 28, 43% cheaper per hour, at the price of a longer and wider TTFT: prompts queue for the
//   prefill pool and each KV cache spends about 52 ms on InfiniBand. Its TTFT tail reaches the 2 s target
//   around the 99th percentile.
// - **Planner against simulator**: the planner's analytic means put the aggregated plan's TPOT just under the
//   target; the simulated distribution puts its 90th percentile just above it, which a mean cannot reveal.
//   Checking a plan request by request is what the simulator is for.

