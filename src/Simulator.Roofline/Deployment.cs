using Simulator.Core.Specs;

namespace Simulator.Roofline;

/// <summary>
/// A model on one replica's devices with one quantization and parallel plan: everything the cost model
/// needs, validated once. <see cref="Create"/> rejects plans that cannot exist with a clear message.
/// </summary>
public sealed class Deployment
{
    private Deployment(ModelSpec model, HardwareProfile device, QuantizationScheme quant, Parallelism par, ClusterSpec cluster,
        bool flash, IEfficiencyModel efficiency, DataType gemmType, DataType attentionType, DataType[] moduleGemmTypes, IReadOnlyList<string> notes)
    {
        Model = model;
        Device = device;
        Quant = quant;
        Parallelism = par;
        Cluster = cluster;
        FlashAttention = flash;
        Efficiency = efficiency;
        GemmType = gemmType;
        AttentionType = attentionType;
        Notes = notes;
        TpLink = par.Tp <= cluster.DevicesPerNode ? cluster.IntraNode : cluster.InterNode;
        PpLink = par.Tp * par.Pp <= cluster.DevicesPerNode ? cluster.IntraNode : cluster.InterNode;
        LayersPerStage = (int)Math.Ceiling(model.NumLayers / (double)par.Pp);
        HeadsPerDevice = model.NumAttentionHeads / par.Tp;
        KvHeadsPerDevice = model.Mla is not null ? 1 : Math.Max(1, model.NumKeyValueHeads / par.Tp);
        GemmPeak = device.PeakOpsPerSecond[gemmType];
        _moduleGemmTypes = moduleGemmTypes;
        AttentionPeak = device.PeakOpsPerSecond[attentionType];
        VectorPeak = device.PeakOpsPerSecond.TryGetValue(DataType.Fp32, out var fp32) ? fp32 : GemmPeak / 4;
        Bandwidth = device.MemoryBandwidthBytesPerSecond;
    }

    private readonly DataType[] _moduleGemmTypes;

    public ModelSpec Model { get; }
    public HardwareProfile Device { get; }
    public QuantizationScheme Quant { get; }
    public Parallelism Parallelism { get; }
    public ClusterSpec Cluster { get; }
    public bool FlashAttention { get; }
    public IEfficiencyModel Efficiency { get; }
    /// <summary>The type projections and MLPs compute in on this device (after any fallback).</summary>
    public DataType GemmType { get; }
    /// <summary>The type attention computes in (16-bit unless the device lacks it).</summary>
    public DataType AttentionType { get; }
    /// <summary>What was changed to make the plan run (data-type fallbacks), for the user to read.</summary>
    public IReadOnlyList<string> Notes { get; }
    /// <summary>Link the tensor-parallel group talks over (null at TP = 1).</summary>
    public Interconnect? TpLink { get; }
    /// <summary>Link between pipeline stages.</summary>
    public Interconnect? PpLink { get; }
    /// <summary>Layers on the busiest pipeline stage.</summary>
    public int LayersPerStage { get; }
    public int HeadsPerDevice { get; }
    /// <summary>KV heads stored per device (replicated when TP exceeds the KV heads; 1 latent for MLA).</summary>
    public int KvHeadsPerDevice { get; }
    public double GemmPeak { get; }

    /// <summary>
    /// The type a module's matrix multiplies compute in on this device (after any fallback): <see cref="GemmType"/>
    /// unless the scheme gives the module its own format (mixed precision, <see cref="QuantizationScheme.Modules"/>).
    /// </summary>
    public DataType GemmTypeOf(QuantModule module) => _moduleGemmTypes[(int)module];

    /// <summary>Dense peak of <see cref="GemmTypeOf"/> for a module, in operations per second.</summary>
    public double GemmPeakOf(QuantModule module) => Device.PeakOpsPerSecond[GemmTypeOf(module)];

    /// <summary>Bytes per weight element of a module's matrices, scales included.</summary>
    public double WeightBytesOf(QuantModule module) => Quant.For(module).WeightBytesPerElement;
    public double AttentionPeak { get; }
    /// <summary>Throughput of non-matrix units (fp32 vector peak) for norms, softmax and element-wise work.</summary>
    public double VectorPeak { get; }
    public double Bandwidth { get; }

    /// <summary>Bytes per activation element (at least 16-bit where activations are stored between kernels).</summary>
    public double ActBytes => Math.Max(Quant.ActivationBytesPerElement, 2);

    /// <summary>Devices in the replica.</summary>
    public int Devices => Parallelism.Devices;

    /// <summary>Builds a deployment, or throws <see cref="PlanException"/> saying why the plan cannot exist.</summary>
    public static Deployment Create(ModelSpec model, HardwareProfile device, QuantizationScheme quant, Parallelism par,
        ClusterSpec? cluster = null, bool flashAttention = true, IEfficiencyModel? efficiency = null)
    {
        cluster ??= new ClusterSpec(device.Name + "-single", device.DisplayName, device.Source, device, 1, par.Devices, null, null);
        var problems = Validate(model, device, par, cluster);
        if (problems.Count > 0) throw new PlanException(string.Join(" ", problems));
        var notes = new List<string>();
        DataType gemm = Fallback(device, quant.ComputeType, notes, "matrix multiplies", quant);
        DataType attn = Fallback(device, quant.ActivationBytesPerElement >= 2 ? quant.Activations : model.NativeDType, notes, "attention", quant);
        if (quant.Weights.Bits() < 16 && !device.Supports(quant.Weights) && quant.Weights == quant.Activations && quant.Weights != DataType.Fp4)
            notes.Add($"{device.Name} has no {quant.Weights.Name()} units; weights are still stored at {quant.Weights.Bits()} bits");
        var moduleTypes = new DataType[3];
        foreach (var module in Enum.GetValues<QuantModule>())
        {
            var mq = quant.For(module);
            moduleTypes[(int)module] = ReferenceEquals(mq, quant) ? gemm
                : Fallback(device, mq.ComputeType, notes, $"{module.ToString().ToLowerInvariant()} matrix multiplies ({mq.Name})", mq);
        }
        return new Deployment(model, device, quant, par, cluster, flashAttention, efficiency ?? ConstantEfficiency.For(device), gemm, attn, moduleTypes, notes);
    }

    /// <summary>The first data type the device has, starting from <paramref name="wanted"/>.</summary>
    private static DataType Fallback(HardwareProfile device, DataType wanted, List<string> notes, string what, QuantizationScheme quant)
    {
        DataType[] chain = wanted switch
        {
            // FP4 (NVFP4, MXFP4) needs FP4 tensor cores (Blackwell, CDNA 4); elsewhere kernels dequantize the 4-bit
            // weights in registers and multiply in fp8 where the device has it (Hopper, Ada), else in 16-bit.
            DataType.Fp4 => [DataType.Fp4, DataType.Fp8, DataType.Bf16, DataType.Fp16, DataType.Fp32],
            DataType.Int4 => [DataType.Int4, DataType.Int8, DataType.Fp16, DataType.Bf16, DataType.Fp32],
            DataType.Int8 => [DataType.Int8, DataType.Fp16, DataType.Bf16, DataType.Fp32],
            DataType.Fp8 => [DataType.Fp8, DataType.Bf16, DataType.Fp16, DataType.Fp32],
            DataType.Bf16 => [DataType.Bf16, DataType.Fp16, DataType.Fp32],
            DataType.Fp16 => [DataType.Fp16, DataType.Bf16, DataType.Fp32],
            DataType.Tf32 => [DataType.Tf32, DataType.Fp32],
            _ => [wanted, DataType.Fp32],
        };
        foreach (var t in chain)
        {
            if (!device.Supports(t)) continue;
            if (t != wanted && wanted == DataType.Fp4)
                Note(notes, $"{device.Name} has no fp4 peak; {what} use {t.Name()} instead: the 4-bit weights stay in memory at {quant.WeightBitsPerElement:0.###} bits per weight and are dequantized to {t.Name()} before each multiply");
            else if (t != wanted) Note(notes, $"{device.Name} has no {wanted.Name()} peak; {what} use {t.Name()} instead");
            return t;
        }
        var any = device.PeakOpsPerSecond.Keys.Order().First();
        Note(notes, $"{device.Name} has none of the types {wanted.Name()} falls back to; {what} use {any.Name()}");
        return any;
    }

    private static void Note(List<string> notes, string note)
    {
        if (!notes.Contains(note)) notes.Add(note);
    }

    /// <summary>Every reason the plan cannot exist (empty when it can).</summary>
    public static List<string> Validate(ModelSpec m, HardwareProfile device, Parallelism p, ClusterSpec cluster)
    {
        var e = new List<string>();
        if (p.Tp < 1 || p.Pp < 1 || p.Ep < 1) { e.Add("TP, PP and EP must each be at least 1."); return e; }
        if (m.NumAttentionHeads % p.Tp != 0)
            e.Add($"TP={p.Tp} does not divide {m.Name}'s {m.NumAttentionHeads} attention heads; choose a TP that divides {m.NumAttentionHeads}.");
        else if (m.Mla is null && m.NumKeyValueHeads % p.Tp != 0 && p.Tp % m.NumKeyValueHeads != 0)
            e.Add($"TP={p.Tp} neither divides nor is a multiple of {m.Name}'s {m.NumKeyValueHeads} KV heads, so the KV heads cannot be split or replicated evenly.");
        if (m.DenseLayerCount > 0 && m.IntermediateSize % p.Tp != 0)
            e.Add($"TP={p.Tp} does not divide the MLP intermediate size {m.IntermediateSize}.");
        if (p.Pp > m.NumLayers)
            e.Add($"PP={p.Pp} exceeds {m.Name}'s {m.NumLayers} layers.");
        if (p.Ep > 1)
        {
            if (m.Moe is null) e.Add($"EP={p.Ep} needs a mixture-of-experts model; {m.Name} is dense.");
            else if (p.Tp % p.Ep != 0) e.Add($"EP={p.Ep} must divide TP={p.Tp} (experts are distributed across the tensor-parallel group).");
            else if (m.Moe.NumExperts % p.Ep != 0) e.Add($"EP={p.Ep} does not divide {m.Moe.NumExperts} experts.");
        }
        if (p.Devices > cluster.TotalDevices)
            e.Add($"TP x PP = {p.Devices} devices, but {cluster.Name} has {cluster.TotalDevices}.");
        if (p.Tp > 1 && p.Tp <= cluster.DevicesPerNode && cluster.IntraNode is null)
            e.Add($"{cluster.Name} has no intra-node link for TP={p.Tp}.");
        if (p.Devices > cluster.DevicesPerNode && cluster.InterNode is null)
            e.Add($"{p.Devices} devices span nodes, but {cluster.Name} has no inter-node link.");
        if (device.PeakOpsPerSecond.Count == 0) e.Add($"{device.Name} lists no peak throughput.");
        return e;
    }
}

/// <summary>A deployment that cannot exist (TP does not divide heads, too many devices, does not fit...).</summary>
public sealed class PlanException(string message) : Exception(message);
