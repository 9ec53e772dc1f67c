// %% [markdown]
// # 1. Roofline: Llama-3.1-8B on H100, A100 and MI300X
//
// Where does each operator of one prefill step and one decode step sit against each device's roofs, and which
// roof limits it? This notebook prices one step of **Llama-3.1-8B** (bf16, one device, flash attention) on
// three accelerators from the shipped library: **h100-sxm**, **a100-80gb-sxm** and **mi300x**.
//
// Where the numbers come from:
//
// - the model's dimensions are its Hugging Face `config.json` (`model-specs/llama-3.1-8b.yaml` names the source);
// - each device's peaks, memory and bandwidth are datasheet figures, cited in the `source:` field of its
//   `hardware-profiles/gpu/*.yaml` file;
// - times are the roofline cost model's: per operator, max(FLOPs / (peak × compute efficiency),
//   bytes / (bandwidth × memory efficiency)) + launch overhead. The efficiencies are the GPU defaults
//   (0.75 compute, 0.85 memory) unless the profile ships a calibration fitted to measurements
//   (see the README's *Validation and calibration*); the table below says which applies.
//
// This is the library behind `llmsim roofline --model llama-3.1-8b --hardware h100-sxm --batch 8 --seq 2048
// --compare a100-80gb-sxm,mi300x --plot FILE.png`. Run it with `dotnet run notebooks/01-roofline.cs`.

// %%
#:project ../src/Simulator.Roofline/Simulator.Roofline.csproj
#:project ../src/Simulator.Validation/Simulator.Validation.csproj
#:project ../src/Simulator.Plotting/Simulator.Plotting.csproj
using System.Globalization;
using Simulator.Core.Loading;
using Simulator.Core.Specs;
using Simulator.Plotting;
using Simulator.Roofline;
using Simulator.Validation;
using F = Simulator.Core.Units.Format;

// %% [markdown]
// ## Setup
//
// Find the repository (the folder holding `Simulator.sln`) so the shipped `hardware-profiles/` and
// `model-specs/` are used, and define two small helpers: a text table and a chart saver (PNG files go to
// `notebooks/output/`). Calibrations come from `CalibrationFile.Calibrated`, the lookup `llmsim` itself uses.

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

Console.WriteLine($"shipped library: {lib.HardwareNames.Count} devices, {lib.ModelNames.Count} models");

// %% [markdown]
// ## The model and the three devices
//
// Parameter count and KV-cache size follow from the config alone (`ModelMath`). For each device: the dense
// bf16 and fp8 peaks, main-memory capacity and bandwidth, and the **ridge point** = bf16 peak ÷ bandwidth, the
// arithmetic intensity (FLOP per byte) above which a kernel can be compute-bound. The efficiency column says
// what each device runs on: the MI300X profile ships no calibration, so it uses the GPU defaults; the H100 and
// A100 profiles name calibration files fitted to published measurements, but these hold the H100's all-reduce
// link (unused on one device) and the A100's all-reduce link and fp16 GEMM curve (unused by bf16 GEMMs), so all
// three devices run on the GPU defaults in this notebook.

// %%
var model = lib.Model("llama-3.1-8b");
var p = ModelMath.Parameters(model);
Console.WriteLine($"{model.DisplayName}: {F.Count(p.Total)} parameters, {model.NumLayers} layers, hidden {model.HiddenSize}, " +
    $"{model.NumAttentionHeads} query / {model.NumKeyValueHeads} KV heads, KV cache {ModelMath.KvCacheBytesPerToken(model) / 1024:0} KiB per token (bf16)");
Console.WriteLine($"source: {model.Source}");
Console.WriteLine();

string[] deviceNames = ["h100-sxm", "a100-80gb-sxm", "mi300x"];
var deployments = deviceNames.Select(n =>
{
    var (device, efficiency) = CalibrationFile.Calibrated(lib.Hardware(n));
    return Deployment.Create(model, device, QuantizationScheme.Bf16, Parallelism.Single, efficiency: efficiency);
}).ToList();

PrintTable(["device", "bf16 peak", "fp8 peak", "memory", "bandwidth", "ridge (FLOP/B)", "efficiency"],
    deployments.Select(d => new[]
    {
        d.Device.Name,
        F.Flops(d.Device.PeakOpsPerSecond[DataType.Bf16]),
        d.Device.PeakOpsPerSecond.TryGetValue(DataType.Fp8, out var fp8) ? F.Flops(fp8) : "-",
        F.Bytes(d.Device.MemoryCapacityBytes),
        F.Bandwidth(d.Device.MemoryBandwidthBytesPerSecond),
        (d.Device.PeakOpsPerSecond[DataType.Bf16] / d.Device.MemoryBandwidthBytesPerSecond).ToString("0"),
        d.Efficiency.Description,
    }));

// %% [markdown]
// ## Prefill: 8 prompts of 2,048 tokens
//
// One prefill step of a batch of 8 prompts, 2,048 new tokens each (16,384 tokens). FLOPs, bytes and intensity
// are per device and summed over the layers that run the operator; they are the same on the three devices
// (same model, same bf16 data); the time and the limiting roof differ. `compute` means the FLOP term is the
// larger one, `memory` the byte term. Times include each device's launch overhead per kernel (4 µs on the
// NVIDIA parts, an assumed 5 µs on the MI300X; the profiles say where these come from).

// %%
const int Batch = 8, Seq = 2048;

BatchShape Shape(Deployment d, bool prefill)
{
    var s = BatchShape.Create(d.Model.SlidingWindow ?? 0);
    if (prefill) for (int i = 0; i < Batch; i++) s.AddPrefill(Seq);
    else s.AddDecode(Seq, Batch);
    return s;
}

string BoundName(OperatorCost op) => op.RooflineBound switch { Bound.Compute => "compute", Bound.Memory => "memory", _ => "network" };

void OperatorTable(bool prefill)
{
    var perDevice = deployments.Select(d => new CostModel(d).Operators(Shape(d, prefill)).ToArray()).ToList();
    var ops = perDevice[0];
    var header = new List<string> { "operator", "layers", "FLOPs", "bytes", "FLOP/B" };
    foreach (var d in deployments) { header.Add($"{d.Device.Name} time"); header.Add("bound"); }
    var rows = new List<string[]>();
    for (int i = 0; i < ops.Length; i++)
    {
        var op = ops[i];
        var row = new List<string> { op.Name, op.Layers.ToString(), F.FlopCount(op.Flops * op.Layers), F.Bytes(op.Bytes * op.Layers),
            double.IsInfinity(op.Intensity) ? "inf" : op.Intensity.ToString("0.#") };
        foreach (var dev in perDevice) { row.Add(F.Seconds(dev[i].TotalSeconds)); row.Add(BoundName(dev[i])); }
        rows.Add(row.ToArray());
    }
    var total = new List<string> { "total", "", F.FlopCount(ops.Sum(o => o.Flops * o.Layers)), F.Bytes(ops.Sum(o => o.Bytes * o.Layers)),
        (ops.Sum(o => o.Flops * o.Layers) / ops.Sum(o => o.Bytes * o.Layers)).ToString("0.#") };
    foreach (var dev in perDevice) { total.Add(F.Seconds(dev.Sum(o => o.TotalSeconds))); total.Add(""); }
    rows.Add(total.ToArray());
    PrintTable(header.ToArray(), rows);
}

OperatorTable(prefill: true);

// %% [markdown]
// The big GEMMs (`qkv_proj`, `o_proj`, `mlp_gate_up`, `mlp_down`) reach intensities in the thousands of FLOP per
// byte, far right of every ridge point, so prefill is compute-bound and the ranking follows the bf16 peaks
// (MI300X 1.31 PFLOP/s, H100 989 TFLOP/s, A100 312 TFLOP/s). Norms, rotary and activations stay memory-bound but
// are a small share of the step.
//
// ## Decode: 8 requests with 2,048 tokens of context
//
// One decode step of the same 8 requests: one new token each, every weight read once, and each request's
// 2,048 cached tokens of K and V read by attention.

// %%
OperatorTable(prefill: false);

// %% [markdown]
// With 8 tokens in the step, a GEMM does 2 × 8 FLOPs per 2-byte weight: about 8 FLOP/byte, far left of the
// ridge points (295 on H100, 153 on A100, 247 on MI300X), so every operator is memory-bound and the step time
// is set by bandwidth: the MI300X's 5.3 TB/s beats the H100's 3.35 TB/s and the A100's 2.04 TB/s.
//
// ## What that means per request: a static-batch estimate
//
// `Estimator.Run` turns the two step kinds into latency: TTFT = the prefill step of the batch, TPOT = a decode
// step at the average context (2,048 + 256/2 tokens), throughput = 8 × 256 output tokens over the whole run.
// Static batching with equal lengths is the simplest case; notebook 3 simulates a serving queue.

// %%
PrintTable(["device", "TTFT", "TPOT", "output tokens/s", "MFU", "MBU", "weights", "KV cache (batch)", "max batch at 2,304 tokens"],
    deployments.Select(d =>
    {
        var e = Estimator.Run(d, new Workload(Batch, Seq, 256));
        return new[]
        {
            d.Device.Name, F.Seconds(e.TtftSeconds), F.Seconds(e.TpotSeconds), e.TokensPerSecond.ToString("0"),
            e.Mfu.ToString("P1"), e.Mbu.ToString("P1"), F.Bytes(e.Memory.WeightBytes), F.Bytes(e.KvCacheBytes), e.MaxBatchAtThisContext.ToString("N0"),
        };
    }));

// %% [markdown]
// ## The roofline chart
//
// Log-log: attainable FLOP/s against arithmetic intensity. Each device draws its memory roof (bandwidth ×
// intensity) up to its highest ceiling, one ceiling per data type (dashed: the lower ones), and its ridge points
// as open circles. Each operator is a point at (intensity, FLOPs ÷ modelled time) in its device's colour, a
// circle for prefill and a square for decode: prefill points crowd under the bf16 ceilings on the right, decode
// points sit on the memory roofs on the left. An operator is labelled once per phase (at its point on the first
// device; the other devices' points sit in the same column), and labels that would collide move aside with a
// leader line. This is the same chart as `llmsim roofline ... --compare a100-80gb-sxm,mi300x --plot FILE.png`.

// %%
var points = new List<RooflinePoint>();
for (int i = 0; i < deployments.Count; i++)
{
    var d = deployments[i];
    var cost = new CostModel(d);
    points.AddRange(RooflineChart.Points(cost.Operators(Shape(d, prefill: true)), $"prefill {Seq} tokens x {Batch}", d.Device.Name));
    points.AddRange(RooflineChart.Points(cost.Operators(Shape(d, prefill: false)), $"decode at context {Seq} x {Batch}", d.Device.Name));
}
var chart = RooflineChart.Build(deployments.Select(d => d.Device).ToList(), points,
    $"{model.Name} on {string.Join(" vs ", deviceNames)} (bf16, TP1)");
SaveChart(chart, "01-roofline-llama-3.1-8b.png");
