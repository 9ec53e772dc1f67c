using Simulator.Core.Loading;
using Simulator.Core.Specs;
using Simulator.Roofline;

namespace Simulator.Validation;

/// <summary>A measured row with the model's prediction for the same work (or why there is none).</summary>
public sealed record Comparison(MeasuredRow Row, string DeviceProfile, double? Predicted, string? Skipped)
{
    /// <summary>(predicted - measured) / measured, in percent.</summary>
    public double SignedPctError => Predicted is double p ? (p - Row.Value) / Row.Value * 100 : double.NaN;
    public double AbsPctError => Math.Abs(SignedPctError);
}

/// <summary>
/// Predicts, for each measured row, the same quantity from the cost model: a GEMM's time from its FLOPs and
/// bytes, a stream's from its bytes, attention and whole layers from the operator graph, end-to-end figures
/// from the static-batch estimate, all-reduce from the alpha-beta model.
/// </summary>
public sealed class Predictor(SpecLibrary library, Func<HardwareProfile, (HardwareProfile Device, IEfficiencyModel Efficiency)> calibrated, IReadOnlyDictionary<string, string>? deviceMap = null)
{
    /// <summary>A profile to use for every row whatever its device label (a calibration fitting one device's rows); null: look the label up.</summary>
    public HardwareProfile? DeviceOverride { get; init; }

    /// <summary>Clusters adjusted by calibration (fitted links), by device name; set by the caller.</summary>
    public Func<ClusterSpec, ClusterSpec> AdjustCluster { get; init; } = c => c;

    /// <summary>GPU names as benchmarks print them, mapped to profiles (extend with --device-map).</summary>
    public static readonly IReadOnlyDictionary<string, string> KnownGpuNames = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
    {
        ["NVIDIA H100 80GB HBM3"] = "h100-sxm", ["NVIDIA H100 PCIe"] = "h100-pcie", ["NVIDIA H200"] = "h200-sxm",
        ["NVIDIA A100-SXM4-80GB"] = "a100-80gb-sxm", ["NVIDIA A100-SXM4-40GB"] = "a100-40gb-sxm", ["NVIDIA A100 80GB PCIe"] = "a100-80gb-pcie",
        ["NVIDIA L40S"] = "l40s", ["NVIDIA L4"] = "l4", ["NVIDIA A40"] = "a40", ["NVIDIA GeForce RTX 4090"] = "rtx-4090", ["NVIDIA B200"] = "b200-sxm",
    };

    /// <summary>The profile name a device label maps to: the user's map, else the known GPU names, else the label itself.</summary>
    public static string ProfileName(string label, IReadOnlyDictionary<string, string>? deviceMap = null) =>
        deviceMap is not null && deviceMap.TryGetValue(label, out var mapped) ? mapped : KnownGpuNames.TryGetValue(label, out var known) ? known : label;

    public Comparison Compare(MeasuredRow row)
    {
        string name = DeviceOverride?.Name ?? ProfileName(row.Device, deviceMap);
        HardwareProfile raw;
        if (DeviceOverride is not null) raw = DeviceOverride;
        else
        {
            try { raw = library.Hardware(name); }
            catch (SpecException) { return new Comparison(row, name, null, $"no hardware profile '{name}' (use --device-map NAME=PROFILE)"); }
        }
        var (device, eff) = calibrated(raw);
        try
        {
            double? p = row.Family switch
            {
                BenchmarkFamily.Gemm => Gemm(row, device, eff),
                BenchmarkFamily.Membw => Membw(row, device, eff),
                // Eager back-to-back launches are what the cost model charges per kernel; a host round trip (sync) or a
                // kernel inside a CUDA graph (graph) is a different quantity.
                BenchmarkFamily.Launch => row.Dtype is "" or "async" ? device.LaunchOverheadSeconds : null,
                BenchmarkFamily.Allreduce => AllReduce(row, device),
                BenchmarkFamily.Attention => LayerOps(row, device, eff, attentionOnly: true),
                BenchmarkFamily.Layer => LayerOps(row, device, eff, attentionOnly: false),
                BenchmarkFamily.E2e => E2e(row, device, eff),
                BenchmarkFamily.ServingMaxload => MaxLoad(row, device, eff),
                _ => null,
            };
            return p is null ? new Comparison(row, name, null, $"{row.Benchmark} row with dtype '{row.Dtype}' and metric {row.Metric} is not modelled") : new Comparison(row, name, p, null);
        }
        catch (Exception e) when (e is SpecException or PlanException or ArgumentException)
        {
            return new Comparison(row, name, null, e.Message.Split('\n')[0]);
        }
    }

    private static DataType? Type(string dtype) => DataTypes.TryParse(dtype, out var t) ? t : null;

    private double? Gemm(MeasuredRow r, HardwareProfile d, IEfficiencyModel eff)
    {
        if (r.M is not double m || r.N is not double n || r.K is not double k || Type(r.Dtype) is not DataType t || !d.Supports(t)) return null;
        double flops = 2 * m * n * k;
        double bytes = r.Bytes ?? KernelTime.GemmBytes(m, n, k, t);
        double seconds = KernelTime.Seconds(flops, bytes, d.PeakOpsPerSecond[t], eff.Gemm(t, m, n, k), d.MemoryBandwidthBytesPerSecond, eff.Memory(bytes), d.LaunchOverheadSeconds);
        return ToMetric(r, seconds, flops, bytes);
    }

    private static double? ToMetric(MeasuredRow r, double seconds, double flops, double bytes) => r.Metric switch
    {
        "seconds" => seconds,
        "tflops" => flops / seconds / 1e12,
        "gbps" => bytes / seconds / 1e9,
        _ => null,
    };

    private static double? Membw(MeasuredRow r, HardwareProfile d, IEfficiencyModel eff)
    {
        if (r.Bytes is not double bytes) return null;
        double seconds = KernelTime.Seconds(0, bytes, 1, 1, d.MemoryBandwidthBytesPerSecond, eff.Memory(bytes), d.LaunchOverheadSeconds);
        return ToMetric(r, seconds, 0, bytes);
    }

    private double? AllReduce(MeasuredRow r, HardwareProfile d)
    {
        if (r.Bytes is not double bytes || r.Tp is not int p) return null;
        var cluster = AdjustCluster(library.DefaultCluster(d));
        var link = p <= cluster.DevicesPerNode ? cluster.IntraNode : cluster.InterNode;
        if (link is null) return null;
        return r.Metric == "seconds" ? Collectives.AllReduce(bytes, p, link) : null;
    }

    private Deployment Deploy(MeasuredRow r, HardwareProfile d, IEfficiencyModel eff)
    {
        var model = library.Model(r.Model);
        var quant = QuantizationScheme.Parse(r.Dtype.Length == 0 ? "bf16" : r.Dtype, model.NativeDType);
        int tp = r.Tp ?? 1;
        var cluster = AdjustCluster(library.DefaultCluster(d, Math.Max(tp, 1)));
        return Deployment.Create(model, d, quant, new Parallelism(tp), cluster, flashAttention: true, eff);
    }

    /// <summary>One layer's attention, or one whole layer, at the row's shape (per-layer times, not times layers).</summary>
    private double? LayerOps(MeasuredRow r, HardwareProfile d, IEfficiencyModel eff, bool attentionOnly)
    {
        if (r.Metric != "seconds") return null;
        var dep = Deploy(r, d, eff);
        // context_tokens is the KV length each query attends at the end of the step (cached tokens plus the new ones).
        int batch = r.Batch ?? 1, input = r.InputTokens ?? 1, kvLength = r.ContextTokens ?? input;
        var shape = BatchShape.For(dep.Model);
        if (input <= 1) shape.AddDecode(Math.Max(0, kvLength - 1), batch);
        else for (int i = 0; i < batch; i++) shape.AddPrefill(input, Math.Max(0, kvLength - input));
        double t = 0;
        foreach (var op in new CostModel(dep).Operators(shape))
        {
            if (attentionOnly ? op.Kind != OpKind.Attention : op.Scope != OpScope.PerLayer) continue;
            // A measured MoE layer runs the MoE block, not the dense MLP of the first dense layers.
            if (!attentionOnly && dep.Model.Moe is not null && op.Block == OpBlock.Mlp && op.Layers != dep.Model.NumLayers) continue;
            t += op.Seconds;
        }
        return t;
    }

    /// <summary>
    /// Max-load output throughput (every request queued at once, as trtllm-bench throughput runs): the static-batch estimate
    /// at the batch the engine holds. B = the smaller of the engine's max batch (the row's, else
    /// <see cref="TrtllmBenchMaxBatch"/>; per attention-DP rank, so x DP) and the requests whose whole prompt + output fits
    /// in the KV cache (TensorRT-LLM's default GUARANTEED_NO_EVICT scheduler reserves it). At steady state every request
    /// in flight is replaced as it finishes, so B requests take one prefill and O decode steps each:
    /// tokens/s = B·O / (TTFT + (O − 1)·TPOT), the estimate's figure. Nothing here is fitted to measurements.
    /// </summary>
    /// <param name="maxBatch">The engine's max batch for the whole replica (null: the trtllm-bench heuristic).</param>
    public static double MaxLoadTokensPerSecond(Deployment d, int input, int output, int? maxBatch)
    {
        int fit = Estimator.Run(d, new Workload(1, input, output)).MaxBatchAtThisContext;
        if (fit < 1) throw new PlanException($"not even one request of {input} + {output} tokens fits in the KV cache");
        int engine = maxBatch ?? TrtllmBenchMaxBatch(d, input, output) * d.Parallelism.Dp;
        return Estimator.Run(d, new Workload(Math.Min(fit, engine), input, output)).TokensPerSecond;
    }

    /// <summary>
    /// The max batch trtllm-bench builds with when none is given (TensorRT-LLM <c>tensorrt_llm/bench/build/tuning.py</c>:
    /// calc_engine_setting and finetune_setting; the PyTorch backend's max-throughput scenario uses the same): KV-cache
    /// requests = 0.95 x (device memory x TP x PP − parameters x bytes per weight) / (2 x attention layers x max(TP, KV heads)
    /// x head size x KV bytes x (ISL + OSL)), capped at 4096 / PP, then rounded up: to 64 at least and a multiple of 32
    /// below 256, of 128 below 1024, of 256 above. Its KV arithmetic counts every attention layer at the whole context
    /// (no window) and MLA as ordinary heads, as the heuristic does; the run itself is then bounded by the real KV cache.
    /// trtllm-bench's TP is the world size of a stage (DEPn runs as --tp n --ep n with attention DP), so TP here is
    /// Tp x Dp; with attention DP the batch it returns is each rank's.
    /// </summary>
    public static int TrtllmBenchMaxBatch(Deployment d, int input, int output)
    {
        var m = d.Model;
        var p = d.Parallelism;
        const double GiB = 1024.0 * 1024 * 1024;
        int tp = p.Tp * p.Dp;
        int gpus = tp * p.Pp;
        double bytesPerWeight = d.Quant.Weights.Bits() <= 8 ? d.Quant.Weights.Bits() / 8.0 : 2;
        double bytesPerKv = d.Quant.KvBytesPerElement < 2 ? 1 : 2;
        double kvHeads = Math.Max(tp, m.NumKeyValueHeads);
        double bytesPerToken = 2.0 * m.AttentionLayerCount * kvHeads * m.HeadDim * bytesPerKv / GiB;
        double engine = ModelMath.Parameters(m).Total * bytesPerWeight / GiB;
        double available = d.Device.MemoryCapacityBytes / GiB * gpus - engine;
        double requests = 0.95 * available / (bytesPerToken * (input + output));
        double raw = Math.Min(requests, 4096) / p.Pp;
        int bs = raw < 256 ? Math.Max(64, 32 * (int)Math.Ceiling(raw / 32))
            : raw < 1024 ? 128 * (int)Math.Ceiling(raw / 128)
            : 256 * (int)Math.Ceiling(raw / 256);
        return Math.Max(1, bs);
    }

    private double? MaxLoad(MeasuredRow r, HardwareProfile device, IEfficiencyModel eff)
    {
        if (r.Metric != "tokens_per_second" || r.InputTokens is not int input || r.OutputTokens is not int output || input < 1 || output < 1) return null;
        var model = library.Model(r.Model);
        if (!QuantizationScheme.TryParse(r.Dtype.Length == 0 ? "bf16" : r.Dtype, out var quant, out string error, model.NativeDType))
            throw new ArgumentException($"quantization '{r.Dtype}' is not known here: {error}");
        var par = new Parallelism(r.Tp ?? 1, r.Pp ?? 1, r.Ep ?? 1, r.Dp ?? 1);
        var cluster = AdjustCluster(library.DefaultCluster(device, Math.Max(par.Devices, 1)));
        if (par.Devices > cluster.TotalDevices && cluster.InterNode is not null)
            cluster = cluster with { Nodes = (par.Devices + cluster.DevicesPerNode - 1) / cluster.DevicesPerNode };
        var dep = Deployment.Create(model, device, quant, par, cluster, flashAttention: true, eff);
        return MaxLoadTokensPerSecond(dep, input, output, r.Batch);
    }

    private double? E2e(MeasuredRow r, HardwareProfile d, IEfficiencyModel eff)
    {
        var dep = Deploy(r, d, eff);
        var w = new Workload(r.Batch ?? 1, Math.Max(1, r.InputTokens ?? 1), Math.Max(1, r.OutputTokens ?? 1));
        var e = Estimator.Run(dep, w);
        return r.Metric switch
        {
            "ttft_seconds" => e.TtftSeconds,
            "tpot_seconds" => e.TpotSeconds,
            "tokens_per_second" => e.TokensPerSecond,
            _ => null,
        };
    }
}
