// %% [markdown]
// # 2. Which GPU should I buy? Cost per million output tokens for Llama-3.1-70B
//
// The question: to serve **Llama-3.1-70B** to chat users within a latency target, which of the shipped GPUs
// gives the lowest cost per million output tokens?
//
// The inputs, and where each comes from:
//
// - **Traffic**: chat-like requests with mean prompt 1,155 and mean output 211 tokens, the means of the Azure
//   LLM inference trace 2023, conversation service (Patel et al., *Splitwise*, ISCA 2024); the same lengths as
//   `llmsim plan --workload chat`.
// - **Targets**: time to first token (TTFT) ≤ 1 s and time per output token (TPOT) ≤ 50 ms, the planner's defaults.
// - **Prices**: the `price.hourly` field of each GPU profile in `hardware-profiles/gpu/`; the profile's `source:`
//   says where each price comes from (on-demand cloud list prices). A GPU whose profile has no price is listed
//   as **no price**: nothing here invents one. Give your own with `llmsim plan --price NAME=USD/h`.
// - **Performance**: the roofline cost model with the analytic capacity model of the planner (`AnalyticCapacity`:
//   continuous batching, queueing for prompts, Little's law for the batch), using each profile's shipped
//   calibration where it has one. Its latencies are means, not percentiles; the README's *Accuracy so far* says
//   how far the cost model is from measurements (its large-batch throughput has come out 8–21% optimistic
//   against TensorRT-LLM).
//
// Run it with `dotnet run notebooks/02-which-gpu.cs`.

// %%
#:project ../src/Simulator.Planner/Simulator.Planner.csproj
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
// Find the repository (the folder holding `Simulator.sln`) so the shipped library is used; helpers for text
// tables and charts (saved to `notebooks/output/`); and the calibration lookup `llmsim plan` uses (a profile that
// names a calibration file gets its fitted efficiency curves and links).

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

// The device and the cluster its nodes come as, with the shipped calibration applied where the profile names one.
HardwareOption Option(string name)
{
    var raw = lib.Hardware(name);
    var (device, efficiency) = CalibrationFile.Calibrated(raw);
    return new HardwareOption(device, CalibrationFile.Calibrated(lib.DefaultCluster(raw)) with { Device = device }) { Efficiency = efficiency };
}

Console.WriteLine($"shipped library: {lib.HardwareNames.Count} devices, {lib.ModelNames.Count} models");

// %% [markdown]
// ## The candidates
//
// Every GPU profile in the library, with its memory, bandwidth, bf16 peak and hourly price. The price column
// quotes the profile's own sentence about where the price comes from (or why there is none).

// %%
var model = lib.Model("llama-3.1-70b");
var demandShape = (Input: 1155.0, Output: 211.0);
var slo = new Slo(TtftSeconds: 1.0, TpotSeconds: 0.050);
Console.WriteLine($"{model.DisplayName}: {F.Count(ModelMath.Parameters(model).Total)} parameters, " +
    $"{F.Bytes(ModelMath.Parameters(model).Total * 2)} of bf16 weights, KV cache {ModelMath.KvCacheBytesPerToken(model) / 1024:0} KiB per token");
Console.WriteLine();

var gpus = lib.HardwareNames.Select(lib.Hardware).Where(d => d.Kind == DeviceKind.Gpu).Select(d => d.Name).ToList();

string PriceNote(HardwareProfile d)
{
    var sentence = d.Source.Split(". ").Select(s => s.Trim()).FirstOrDefault(s => s.StartsWith("Price:") || s.StartsWith("No price"));
    return sentence is null ? "" : sentence.Replace("Price: ", "").TrimEnd('.');
}

PrintTable(["gpu", "memory", "bandwidth", "bf16 peak", "USD/h", "price source (from the profile)"],
    gpus.Select(n => lib.Hardware(n)).Select(d => new[]
    {
        d.Name, F.Bytes(d.MemoryCapacityBytes), F.Bandwidth(d.MemoryBandwidthBytesPerSecond),
        d.PeakOpsPerSecond.TryGetValue(DataType.Bf16, out var bf) ? F.Flops(bf) : F.Flops(d.PeakOpsPerSecond[DataType.Fp16]) + " (fp16)",
        double.IsNaN(d.Price.HourlyUsd) ? "no price" : d.Price.HourlyUsd.ToString("0.00"), PriceNote(d),
    }));

// %% [markdown]
// ## Step 1: the most economical replica on each GPU
//
// For each GPU the planner's search space gives every aggregated replica configuration: tensor parallelism
// 1, 2, 4, 8 within a node, pipeline parallelism 1, 2, 4, quantization (16-bit; fp8 where the GPU has fp8 units;
// int4 weights `w4a16`) and batch limits 32–256. `AnalyticCapacity` finds, for each, the highest request rate one
// replica sustains with mean TTFT ≤ 1 s and mean TPOT ≤ 50 ms (or the reason it cannot: weights do not fit, the
// prompt alone takes longer than 1 s, a decode step at batch 1 is slower than 50 ms).
//
// The replica with the most output tokens per second per GPU is the one that makes tokens cheapest, at the same
// hourly price per GPU. Its **cost per million output tokens at full load** is
// devices × USD/h ÷ (capacity × 211 tokens × 3,600 s) × 10⁶: the price of a replica kept busy at exactly its
// capacity, which an aggregated deployment of many replicas approaches. Separate prefill and decode pools, which
// the planner also considers in step 2, can come out cheaper still.

// %%
var capacityModel = new AnalyticCapacity(model);
var demandForCapacity = new Demand(1, demandShape.Input, demandShape.Output);
var limits = new Constraints(new Dictionary<string, double>(), new Dictionary<string, int>(), MaxDevicesTotal: 64,
    WholeNodes: true, PowerBudgetWatts: double.MaxValue, BudgetUsdPerHour: double.MaxValue);

var best = new Dictionary<string, Capacity>();
var whyNot = new Dictionary<string, string>();
foreach (var name in gpus)
{
    var request = new PlanRequest(model, [Option(name)], demandForCapacity, slo, Quantizations: null, MaxBatches: [32, 64, 128, 256],
        limits, Objective.Cost, AllowDisaggregation: false);
    var caps = Planner.SearchSpace(request).Select(c => capacityModel.Capacity(c, demandForCapacity, slo)).ToList();
    var usable = caps.Where(c => c.Usable).ToList();
    if (usable.Count > 0)
        best[name] = usable.OrderByDescending(c => c.RequestsPerSecond / c.Config.Devices).ThenBy(c => c.Config.Devices).First();
    else
        whyNot[name] = caps.Count == 0 ? "no parallel plan fits a node"
            : caps.GroupBy(c => c.PrunedReason!.Split(" (")[0]).OrderByDescending(g => g.Count()).First().First().PrunedReason!;
}

double CostPerMillion(double usdPerHour, double requestsPerSecond) => usdPerHour / (requestsPerSecond * demandShape.Output * 3600) * 1e6;

var fullLoad = new Dictionary<string, double>();
PrintTable(["gpu", "best replica", "GPUs", "req/s", "out tok/s per GPU", "TTFT", "TPOT", "USD/h", "USD per M out tokens"],
    gpus.Select(n =>
    {
        if (!best.TryGetValue(n, out var c)) return new[] { n, "cannot meet the targets: " + whyNot[n], "", "", "", "", "", "", "" };
        var d = c.Config.Device;
        double hourly = d.Price.HourlyUsd * c.Config.Devices;
        if (!double.IsNaN(hourly)) fullLoad[n] = CostPerMillion(hourly, c.RequestsPerSecond);
        return new[]
        {
            n, $"{c.Config.Parallelism} {c.Config.Quant} b{c.Config.MaxBatch}", c.Config.Devices.ToString(), c.RequestsPerSecond.ToString("0.00"),
            (c.RequestsPerSecond * demandShape.Output / c.Config.Devices).ToString("0"), F.Seconds(c.TtftSeconds), F.Seconds(c.TpotSeconds),
            double.IsNaN(hourly) ? "no price" : hourly.ToString("0.00"), double.IsNaN(hourly) ? "no price" : fullLoad[n].ToString("0.00"),
        };
    }));

// %% [markdown]
// ## Step 2: the planner's answer for a real demand
//
// Full-load cost ignores two facts of buying hardware: replicas come in whole numbers, and GPUs come in whole
// nodes (8 per node for these GPUs' shipped clusters, billed by the node). So ask the planner, one GPU type at a
// time, for the cheapest cluster that serves a given demand within the targets, exactly as
// `llmsim plan --model llama-3.1-70b --hardware GPU --rate R` does: it searches the same configurations plus
// separate prefill and decode pools, picks integer replica counts with OR-Tools CP-SAT (at most 64 GPUs), and
// checks the winner at the demanded rate. Two demands: **10 requests per second** (about 2,110 output tokens per
// second) and **40 requests per second**. Cost per million output tokens = USD/h ÷ (rate × 211 × 3,600) × 10⁶.
// A GPU without a price cannot be ranked by cost; for those the planner minimises the number of GPUs instead, so
// the table still shows what they would need.

// %%
double[] rates = [10, 40];
var planned = rates.ToDictionary(r => r, _ => new Dictionary<string, double>());
var planRows = new List<string[]>();
foreach (var rate in rates)
    foreach (var name in gpus)
    {
        var option = Option(name);
        bool priced = !double.IsNaN(option.Device.Price.HourlyUsd);
        var request = new PlanRequest(model, [option], new Demand(rate, demandShape.Input, demandShape.Output), slo, Quantizations: null,
            MaxBatches: [32, 64, 128, 256], limits, priced ? Objective.Cost : Objective.Devices, AllowDisaggregation: true, Top: 1);
        try
        {
            var plan = new Planner(capacityModel).Plan(request).Plans[0];
            string what = Planner.Signature(plan).Replace($"{name} ", "");
            if (priced) planned[rate][name] = CostPerMillion(plan.CostPerHour, rate);
            planRows.Add([name, rate.ToString("0"), what, plan.Devices.ToString(), plan.Nodes.ToString(), F.Seconds(plan.PredictedTtftP90Seconds),
                F.Seconds(plan.PredictedTpotP90Seconds), plan.MeetsSlo ? "yes" : "NO",
                priced ? plan.CostPerHour.ToString("0.00") : "no price", priced ? planned[rate][name].ToString("0.00") : "no price"]);
        }
        catch (InfeasibleException e)
        {
            var needed = System.Text.RegularExpressions.Regex.Match(e.Message, @"needs at least (\d+) devices");
            string why = needed.Success ? $"needs at least {needed.Groups[1].Value} GPUs, over the limit of 64" : e.Message.Split(": ", 2)[^1].Split(". ")[0];
            planRows.Add([name, rate.ToString("0"), "infeasible: " + why, "", "", "", "", "", "", ""]);
        }
    }
PrintTable(["gpu", "req/s", "plan (replicas x config, role)", "GPUs", "nodes", "TTFT", "TPOT", "meets", "USD/h", "USD per M out tokens"], planRows);

// %% [markdown]
// ## The chart
//
// Cost per million output tokens for each GPU that can serve the model within the targets and has a price: the
// best aggregated replica at full load (step 1) and the planner's whole-node plans (step 2). GPUs that meet the targets but have no
// price (and any that cannot meet them) are named under the axis.

// %%
var shown = gpus.Where(n => fullLoad.ContainsKey(n)).OrderBy(n => fullLoad[n]).ToList();
var plt = new ScottPlot.Plot();
var bars = new List<ScottPlot.Bar>();
ScottPlot.Color[] colors = [ScottPlot.Colors.SteelBlue, ScottPlot.Colors.DarkOrange, ScottPlot.Colors.SeaGreen];
const int Slot = 4;
for (int i = 0; i < shown.Count; i++)
{
    bars.Add(new ScottPlot.Bar { Position = i * Slot, Value = fullLoad[shown[i]], FillColor = colors[0], Label = fullLoad[shown[i]].ToString("0.00") });
    for (int r = 0; r < rates.Length; r++)
        if (planned[rates[r]].TryGetValue(shown[i], out var v))
            bars.Add(new ScottPlot.Bar { Position = i * Slot + r + 1, Value = v, FillColor = colors[r + 1], Label = v.ToString("0.00") });
}
var barPlot = plt.Add.Bars(bars);
barPlot.ValueLabelStyle.FontSize = 13;
plt.Axes.Bottom.SetTicks(shown.Select((_, i) => i * Slot + 1.0).ToArray(), shown.ToArray());
plt.Axes.Bottom.TickLabelStyle.FontSize = 16;
plt.Axes.SetLimitsY(0, bars.Max(b => b.Value) * 1.3);
plt.Legend.ManualItems.Add(new ScottPlot.LegendItem { LabelText = "best replica at full load (step 1)", FillColor = colors[0] });
for (int r = 0; r < rates.Length; r++)
    plt.Legend.ManualItems.Add(new ScottPlot.LegendItem { LabelText = $"planner at {rates[r]:0} req/s, whole 8-GPU nodes", FillColor = colors[r + 1] });
plt.ShowLegend(ScottPlot.Alignment.UpperLeft);
plt.YLabel("USD per million output tokens");
var noPrice = gpus.Where(n => best.ContainsKey(n) && !fullLoad.ContainsKey(n)).ToList();
var cannot = gpus.Where(n => !best.ContainsKey(n)).ToList();
plt.XLabel($"also meet the targets, but have no price: {string.Join(", ", noPrice)}" + (cannot.Count > 0 ? $"\ncannot meet the targets: {string.Join(", ", cannot)}" : ""));
plt.Axes.Bottom.Label.FontSize = 14;
plt.Title($"{model.Name}, chat lengths ({demandShape.Input:0}/{demandShape.Output:0}), TTFT ≤ 1 s, TPOT ≤ 50 ms");
SaveChart(plt, "02-which-gpu-llama-3.1-70b.png");

// %% [markdown]
// ## Reading the result
//
// - **Per token, at full load**, the newest and fastest GPUs win despite the highest hourly prices: the B200 and
//   the H100 SXM make an output token for the least money, because decode is bound by memory bandwidth and fp8
//   halves the bytes per weight. The A100 40 GB beats the A100 80 GB per token: nearly the same tokens per
//   second per GPU with int4 weights, at a lower hourly price.
// - **At a small demand, node granularity decides.** At 10 req/s a whole 8-GPU B200 node is mostly idle, so the
//   cheapest cluster is the one with the cheapest node that suffices. At 40 req/s one B200 node carries the whole
//   load and the ranking moves back towards the full-load order. Where the planner splits prefill and decode
//   into separate pools (H100 PCIe and A100 40 GB at 40 req/s), it beats the best aggregated replica at full load.
// - **No price, no ranking.** The H200, MI300X and MI325X meet the targets on a few GPUs each (see the tables),
//   but their profiles carry no list price, so their cost per token is unknown here; pass a quote with
//   `llmsim plan --price h200-sxm=USD/h` (or set `Constraints.HourlyUsd` above) to place them on the chart.
// - The planner may mix configurations, including quantizations, within one plan; restrict `Quantizations`
//   (`--quant` on the command line) to compare one quantization across GPUs.
// - These are analytic estimates (mean latencies, roofline step times); notebook 3 checks plans with the
//   discrete-event serving simulator, and notebook 4 shows how far the cost model is from measurements.

