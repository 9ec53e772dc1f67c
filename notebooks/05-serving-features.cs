// %% [markdown]
// # 5. Prefix caching and speculative decoding: what they do to a plan's cost
//
// Two engine features change the answer to "how many GPUs do I need?" more than most hardware choices:
//
// - **Prefix caching** (vLLM's automatic prefix caching, SGLang's radix cache): when many prompts start with the same
//   tokens (a system prompt, few-shot examples, the conversation so far), their key/value blocks are computed once and
//   reused, so a prefill computes only what is new.
// - **Speculative decoding**: a cheap drafter proposes k tokens, the model checks them all in one pass, and each step
//   emits the accepted drafts plus one. It helps when a decode step is dominated by reading the weights (small batches)
//   and hurts when the step is compute-bound (large batches).
//
// This notebook measures both with the discrete-event simulator and then asks the planner for the cheapest H100
// cluster with each feature off and on. Where the numbers come from: model dimensions from their Hugging Face configs;
// the H100's figures and hourly price from `hardware-profiles/gpu/h100-sxm.yaml` (with its shipped calibration, as
// `llmsim` loads it); the workloads, targets and acceptance rates are assumptions chosen for the example (acceptance
// depends on the model pair and the text; 0.7–0.8 is what published EAGLE and draft-model runs report for chat).
//
// Run it with `dotnet run notebooks/05-serving-features.cs`.

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
// Find the repository (the folder holding `Simulator.sln`) so the shipped library is used; table and chart helpers
// (charts go to `notebooks/output/`); and the H100 with its shipped calibration.

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

var rawDevice = lib.Hardware("h100-sxm");
var (device, efficiency) = CalibrationFile.Calibrated(rawDevice);
var cluster = CalibrationFile.Calibrated(lib.DefaultCluster(rawDevice)) with { Device = device };
var hostLink = lib.Interconnect(device.Interconnects.Host!);
var llama8b = lib.Model("llama-3.1-8b");
var llama70b = lib.Model("llama-3.1-70b");
var draft1b = lib.Model("llama-3.2-1b");
Console.WriteLine($"{device.DisplayName}: {F.Bandwidth(device.MemoryBandwidthBytesPerSecond)}, {F.Flops(device.PeakOpsPerSecond[DataType.Bf16])} bf16, {device.Price.HourlyUsd:0.00} USD/h");

ReplicaConfig Replica(ModelSpec model, int tp = 1) =>
    new(Deployment.Create(model, device, QuantizationScheme.Bf16, new Parallelism(tp), cluster, efficiency: efficiency)) { HostLink = hostLink };

// %% [markdown]
// ## Prefix caching in the simulator
//
// Llama-3.1-8B on one H100 at 8 requests per second; every prompt is a **2,000-token system prompt** followed by a
// question of chat length (the `chat` preset's prompt lengths, Azure 2023 conversations), and chat-length answers.
// The same 3,000 requests (seed 1) with prefix caching off and on. With caching, a request finds the system prompt's
// 125 whole blocks (2,000 / 16) cached and its prefill starts after them.

// %%
var chatWithSystemPrompt = Presets.Get("chat", new PoissonArrivals(8)).WithSharedPrefix(2000);
var run = new RunOptions { Seed = 1, Requests = 3000 };
var prefixRuns = new (string Name, SimulationResult Result)[]
{
    ("caching off", ServingSimulator.Run(new ClusterConfig(new PoolConfig(Replica(llama8b), 1)), chatWithSystemPrompt, run)),
    ("caching on", ServingSimulator.Run(new ClusterConfig(new PoolConfig(Replica(llama8b) with { PrefixCaching = true }, 1)), chatWithSystemPrompt, run)),
};
PrintTable(["run", "TTFT p50", "TTFT p90", "TPOT p50", "TPOT p90", "SLO met", "hit rate (tokens)", "prefill tokens saved"],
    prefixRuns.Select(x => new[]
    {
        x.Name, F.Seconds(x.Result.Ttft.P50), F.Seconds(x.Result.Ttft.P90), F.Seconds(x.Result.Tpot.P50), F.Seconds(x.Result.Tpot.P90),
        x.Result.SloAttainment.ToString("P1"), x.Result.PrefixCache is { } pc ? pc.TokenHitRate.ToString("P1") : "-",
        x.Result.PrefixCache is { } p ? p.HitTokens.ToString("N0") : "-",
    }));

// %% [markdown]
// ## Prefix caching in the planner
//
// Llama-3.1-70B at 10 requests per second, prompts of a **3,000-token system prompt + a 300-token question**, 250
// output tokens; TTFT ≤ 1 s and TPOT ≤ 40 ms at the 90th percentile; GPUs paid one by one. This is
// `llmsim plan --model llama-3.1-70b --hardware h100-sxm --rate 10 --shared-prefix-tokens 3000 --input-tokens 3300
// --output-tokens 250 --ttft-slo 1s --tpot-slo 40ms --whole-nodes off --prefix-caching off|auto`. With `auto` the
// planner offers every configuration with caching off and on and the solver picks; each plan says which it runs and
// why. Every plan is checked by the simulator (2,000 requests).

// %%
var hardware = new List<HardwareOption> { new(device, cluster) { Efficiency = efficiency } };
PlanInputs Inputs(ModelSpec model, double rate) => new() { Model = model, Hardware = hardware, Rate = rate, WholeNodes = false, Top = 1 };

Plan Best(PlanInputs x) => PlanRequestBuilder.Run(PlanRequestBuilder.Build(x)).Result.Plans[0];

string Describe(Plan p) => string.Join(" + ", p.Items.Select(i =>
{
    var c = i.Capacity.Config;
    string role = c.Role == ReplicaRole.Aggregated ? "" : " " + c.Role.ToString().ToLowerInvariant();
    string features = (c.PrefixCaching ? " +prefix cache" : "") + (c.Speculative is not null ? " +speculative" : "");
    return $"{i.Count}x TP{c.Parallelism.Tp} {c.Quant}{role}{features}";
}));

var systemPrompt = Inputs(llama70b, 10) with { SharedPrefixTokens = 3000, InputTokens = 3300, OutputTokens = 250, TtftSloSeconds = 1, TpotSloSeconds = 0.04 };
var prefixPlans = new (string Name, Plan Plan)[]
{
    ("prefix caching off", Best(systemPrompt with { PrefixCaching = PrefixCachingMode.Off })),
    ("prefix caching auto", Best(systemPrompt)),
};
PrintTable(["planner", "plan", "GPUs", "USD/h", "TTFT p90", "TPOT p90", "meets targets"],
    prefixPlans.Select(x => new[]
    {
        x.Name, Describe(x.Plan), x.Plan.Devices.ToString(), x.Plan.CostPerHour.ToString("0.00"), F.Seconds(x.Plan.PredictedTtftP90Seconds),
        F.Seconds(x.Plan.PredictedTpotP90Seconds), x.Plan.MeetsSlo ? "yes" : "no",
    }));
Console.WriteLine();
Console.WriteLine($"why: {prefixPlans[1].Plan.FeatureChoice}");

// %% [markdown]
// ## Speculative decoding against batch size
//
// Llama-3.1-8B on one H100 drafted by Llama-3.2-1B (same tokenizer), k = 4 draft tokens, acceptance 0.7: a step emits
// (1 − 0.7⁵) / 0.3 = 2.77 tokens on average. It costs a verification pass of the target over 5 tokens per request
// plus 4 decode steps of the drafter. Closed loops of N users (so the decode batch is about N), 512-token prompts,
// 256 output tokens: mean TPOT without and with speculation.

// %%
var speculative = new SpeculativeConfig(SpeculativeMethod.Draft, 4, AcceptanceModel.Constant(0.7)) { DraftModel = draft1b };
int[] users = [1, 2, 4, 8, 16, 32, 64, 128, 256];
var sweep = users.Select(n =>
{
    var work = new WorkloadSpec("fixed", [new RequestClass("fixed", 1, new FixedLength(512), new FixedLength(256), Slo.None)], new ClosedLoopArrivals(n, 0));
    var options = new RunOptions { Seed = 1, Requests = Math.Max(32, 4 * n) };
    double off = ServingSimulator.Run(new ClusterConfig(new PoolConfig(Replica(llama8b), 1)), work, options).Tpot.Mean;
    var on = ServingSimulator.Run(new ClusterConfig(new PoolConfig(Replica(llama8b) with { Speculative = speculative }, 1)), work, options);
    return (Users: n, Off: off, On: on.Tpot.Mean, Tokens: on.Speculation!.TokensPerVerification);
}).ToList();
PrintTable(["users (batch)", "TPOT off", "TPOT on", "speedup", "tokens per step"],
    sweep.Select(x => new[] { x.Users.ToString(), F.Seconds(x.Off), F.Seconds(x.On), (x.Off / x.On).ToString("0.00") + "x", x.Tokens.ToString("0.00") }));

var chart = new ScottPlot.Plot();
var line = chart.Add.Scatter(sweep.Select(x => Math.Log2(x.Users)).ToArray(), sweep.Select(x => x.Off / x.On).ToArray());
line.LegendText = "speedup of TPOT (off / on)";
line.LineWidth = 2;
line.MarkerSize = 8;
var even = chart.Add.HorizontalLine(1);
even.LinePattern = ScottPlot.LinePattern.Dashed;
even.Color = ScottPlot.Colors.Black;
even.LegendText = "no gain";
chart.Axes.Bottom.SetTicks(sweep.Select(x => Math.Log2(x.Users)).ToArray(), sweep.Select(x => x.Users.ToString()).ToArray());
chart.XLabel("Concurrent users (decode batch)");
chart.YLabel("TPOT without ÷ TPOT with speculation");
chart.Title("Llama-3.1-8B on H100, Llama-3.2-1B draft, k = 4, acceptance 0.7");
chart.ShowLegend(ScottPlot.Alignment.UpperRight);
SaveChart(chart, "05-speculative-speedup-vs-batch.png");

// %% [markdown]
// ## Speculative decoding in the planner
//
// Llama-3.1-70B with chat lengths at 2 requests per second and a tight **TPOT ≤ 12 ms** (an interactive coding
// assistant, say), TTFT ≤ 1 s: without speculation a decode step of 70B must be spread over many GPUs to be that
// fast. With `--speculative draft,k=4,acceptance=0.8,draft=llama-3.2-1b` the planner may run each configuration with
// or without it. The second pair asks for Llama-3.1-8B at 60 requests per second with a loose TPOT (50 ms): batches
// are large, and the planner leaves speculation off for aggregated replicas and says why.

// %%
var fast = Inputs(llama70b, 2) with { Workload = "chat", TtftSloSeconds = 1, TpotSloSeconds = 0.012 };
var spec8 = new SpeculativeConfig(SpeculativeMethod.Draft, 4, AcceptanceModel.Constant(0.8)) { DraftModel = draft1b };
var busy = Inputs(llama8b, 60) with { Workload = "chat", TpotSloSeconds = 0.05, AllowDisaggregation = false };
var specPlans = new (string Name, Plan Plan)[]
{
    ("70B, TPOT 12 ms, speculation not offered", Best(fast)),
    ("70B, TPOT 12 ms, speculation offered", Best(fast with { Speculative = spec8 })),
    ("8B, 60 req/s, speculation not offered", Best(busy)),
    ("8B, 60 req/s, speculation offered", Best(busy with { Speculative = speculative })),
};
PrintTable(["planner", "plan", "GPUs", "USD/h", "TTFT p90", "TPOT p90", "meets targets"],
    specPlans.Select(x => new[]
    {
        x.Name, Describe(x.Plan), x.Plan.Devices.ToString(), x.Plan.CostPerHour.ToString("0.00"), F.Seconds(x.Plan.PredictedTtftP90Seconds),
        F.Seconds(x.Plan.PredictedTpotP90Seconds), x.Plan.MeetsSlo ? "yes" : "no",
    }));
Console.WriteLine();
Console.WriteLine($"why (70B): {specPlans[1].Plan.FeatureChoice}");
Console.WriteLine($"why (8B): {specPlans[3].Plan.FeatureChoice}");

var costs = new ScottPlot.Plot();
var cases = prefixPlans.Concat(specPlans).ToList();
string[] labels = ["70B system prompt\ncaching off", "70B system prompt\ncaching auto", "70B TPOT 12 ms\nno speculation", "70B TPOT 12 ms\nspeculation offered",
    "8B 60 req/s\nno speculation", "8B 60 req/s\nspeculation offered"];
var bars = costs.Add.Bars(cases.Select(x => x.Plan.CostPerHour).ToArray());
for (int i = 0; i < bars.Bars.Count; i++)
{
    bars.Bars[i].FillColor = i % 2 == 0 ? ScottPlot.Colors.Gray : ScottPlot.Colors.SteelBlue;
    bars.Bars[i].Label = $"{cases[i].Plan.CostPerHour:0.00} USD/h, {cases[i].Plan.Devices} GPUs";
}
bars.ValueLabelStyle.FontSize = 14;
costs.Axes.Bottom.SetTicks(Enumerable.Range(0, labels.Length).Select(i => (double)i).ToArray(), labels);
costs.Axes.Margins(bottom: 0);
costs.YLabel("Hourly cost of the cheapest plan (USD/h)");
costs.Title("H100 plans with each feature off (gray) and offered to the planner (blue)");
SaveChart(costs, "05-plan-cost-by-feature.png");

// %% [markdown]
// ## Reading the result
//
// - **Prefix caching** removes most of the prefill work when prompts share a long prefix: the simulated TTFT of
//   Llama-3.1-8B falls about four-fold, and TPOT too, because the prefill steps that interrupt decoding are short. In
//   the planner the 70B system-prompt workload needs 3 GPUs instead of 10 with caching on: prefill was the
//   bottleneck, and caching removes about 90% of it. The planner's analytic model assumes every prefix stays cached;
//   the simulator's check, with its LRU eviction, confirms the plan.
// - **Speculative decoding** speeds single-user decoding up by about 1.4× here (a 1B draft costs four small decode
//   steps per verification) and the gain shrinks as the batch grows: the verification of 5 tokens per request turns
//   compute-bound and the drafter's passes add up, until speculation is slower than plain decoding beyond about 64
//   users. A tight TPOT target at low traffic is where it pays: the 70B plan drops from 16 GPUs in TP8 replicas to a
//   pair. At 60 requests per second the planner leaves it off and says why (its replicas would serve less with it).
// - Both features change a plan's cost more than most hardware choices, which is why the planner considers them and
//   reports the choice with its reason.
