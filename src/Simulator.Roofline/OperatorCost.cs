using Simulator.Core.Specs;

namespace Simulator.Roofline;

/// <summary>Which roof limits an operator.</summary>
public enum Bound { Compute, Memory, Communication, Overhead }

/// <summary>What an operator is, for grouping and for choosing its efficiency.</summary>
public enum OpKind { Gemm, Attention, Elementwise, Norm, Embedding, Communication }

/// <summary>Whether an operator runs in every layer (counted per layer) or once per model step.</summary>
public enum OpScope { PerLayer, PerModel }

/// <summary>The part of the model an operator belongs to, set where the operator is created (never read from its name).</summary>
public enum OpBlock
{
    /// <summary>Once per step outside the layers: embedding, final norm, LM head, logits gather.</summary>
    Model,
    /// <summary>The attention block of a layer: its norm, projections, attention, residual and all-reduce.</summary>
    Attention,
    /// <summary>A layer's dense MLP block (and the norms, residual and all-reduce around an MLP or MoE block).</summary>
    Mlp,
    /// <summary>A layer's mixture-of-experts block: router, experts, shared experts, token dispatch and combine.</summary>
    Moe,
    /// <summary>Activations crossing pipeline-stage boundaries.</summary>
    Pipeline,
}

/// <summary>
/// One operator's cost for one step on one device: FLOPs (a multiply-add is 2), bytes split into weights,
/// activations (read + written), KV-cache reads and KV-cache writes, bytes each device sends over its link
/// (collectives only), and the resulting times. For a per-layer
/// operator the figures are for one layer; <see cref="Layers"/> says how many layers run it.
/// </summary>
public readonly record struct OperatorCost(
    string Name,
    OpKind Kind,
    int Layers,
    double Flops,
    double WeightBytes,
    double ActivationBytes,
    double KvReadBytes,
    double KvWriteBytes,
    double NetworkBytes,
    DataType ComputeType,
    double ComputeSeconds,
    double MemorySeconds,
    double CommunicationSeconds,
    double OverheadSeconds)
{
    /// <summary>The block it belongs to.</summary>
    public OpBlock Block { get; init; }

    /// <summary>Per layer (runs in every layer it is counted for) or once per model step.</summary>
    public OpScope Scope => Block is OpBlock.Model or OpBlock.Pipeline ? OpScope.PerModel : OpScope.PerLayer;

    /// <summary>All bytes moved through main memory.</summary>
    public double Bytes => WeightBytes + ActivationBytes + KvReadBytes + KvWriteBytes;

    /// <summary>FLOPs per byte of main-memory traffic.</summary>
    public double Intensity => Bytes > 0 ? Flops / Bytes : double.PositiveInfinity;

    /// <summary>Time of one execution: the larger roof, plus the fixed launch/dispatch overhead.</summary>
    public double Seconds => Math.Max(KernelTime.Roof(ComputeSeconds, MemorySeconds), CommunicationSeconds) + OverheadSeconds;

    /// <summary>Time over all the layers that run it.</summary>
    public double TotalSeconds => Seconds * Layers;

    /// <summary>The roof that wins (overhead when the operator is so small that launch cost dominates).</summary>
    public Bound Bound =>
        CommunicationSeconds > 0 && CommunicationSeconds >= Math.Max(ComputeSeconds, MemorySeconds) ? Bound.Communication
        : OverheadSeconds > Math.Max(ComputeSeconds, MemorySeconds) && Kind != OpKind.Communication ? Bound.Overhead
        : ComputeSeconds >= MemorySeconds ? Bound.Compute : Bound.Memory;

    /// <summary>Compute or memory only (the roofline view, ignoring overhead), for charts and the JSON <c>bound</c> field.</summary>
    public Bound RooflineBound => Kind == OpKind.Communication ? Bound.Communication : ComputeSeconds >= MemorySeconds ? Bound.Compute : Bound.Memory;
}
