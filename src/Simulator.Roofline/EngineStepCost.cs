using Simulator.Core.Specs;

namespace Simulator.Roofline;

/// <summary>
/// The time of one engine step as a given serving engine runs it: the cost model's kernel work, launched eagerly or
/// replayed from a CUDA graph (decode-only batches padded to the next captured size; prompt steps eager, or piecewise
/// graphs up to the largest captured size), plus the engine's CPU time per step (a fixed part and a part per sequence),
/// which either adds to the GPU time or, with an overlap scheduler, hides behind it. Allocation-free; not thread-safe
/// (it shares the cost model's scratch buffer).
/// </summary>
public sealed class EngineStepCost
{
    private readonly EngineGraphs _graphs;
    private readonly EngineOverheads _cpu;
    private readonly double _graphKernel;

    /// <summary>An engine's view of <paramref name="cost"/>; <paramref name="engine"/> should already be resolved for the device (<see cref="EngineProfile.ForDevice"/>).</summary>
    public EngineStepCost(CostModel cost, EngineProfile engine)
    {
        Cost = cost;
        Engine = engine;
        _graphs = engine.Graphs;
        _cpu = engine.Overheads;
        _graphKernel = engine.Graphs.KernelOverheadSeconds;
    }

    /// <summary>The cost model priced.</summary>
    public CostModel Cost { get; }

    /// <summary>The engine.</summary>
    public EngineProfile Engine { get; }

    /// <summary>GPU seconds of a step: kernel work plus launches as the engine issues them.</summary>
    public double GpuSeconds(in BatchShape shape)
    {
        if (shape.NewTokens <= 0) return 0;
        if (shape.PrefillSequences == 0)
        {
            int g = _graphs.GraphBatch(shape.DecodeSequences);
            if (g > 0)
            {
                // The graph runs at its captured size: padding rows cost GEMM rows and LM-head rows, no real attention.
                var padded = shape;
                padded.AddDecode(0, g - shape.DecodeSequences);
                var p = Cost.Parts(padded);
                return p.WorkSeconds + p.Kernels * _graphKernel;
            }
        }
        else if (_graphs.Prefill == PrefillGraphMode.Piecewise && shape.NewTokens <= _graphs.MaxSize)
        {
            // Piecewise graphs: everything but attention replays from a graph; attention launches eagerly between pieces.
            var p = Cost.Parts(shape);
            double eager = p.Kernels > 0 ? p.EagerOverheadSeconds / p.Kernels : 0;
            return p.WorkSeconds + (p.Kernels - p.AttentionKernels) * _graphKernel + p.AttentionKernels * eager;
        }
        var e = Cost.Parts(shape);
        return e.WorkSeconds + e.EagerOverheadSeconds;
    }

    /// <summary>CPU seconds of a step of <paramref name="sequences"/> sequences (scheduling, input preparation, sampling, output processing).</summary>
    public double CpuSeconds(int sequences) => _cpu.StepCpuSeconds(sequences);

    /// <summary>Wall seconds of a step: GPU + CPU, or the longer of the two under an overlap scheduler.</summary>
    public double StepSeconds(in BatchShape shape)
    {
        double gpu = GpuSeconds(shape);
        double cpu = CpuSeconds(shape.Sequences);
        return _cpu.Overlap ? Math.Max(gpu, cpu) : gpu + cpu;
    }
}

/// <summary>A device's efficiency model with an engine's per-operator-class multipliers applied (<see cref="EngineKernels"/>).</summary>
public sealed class EngineEfficiency(IEfficiencyModel inner, EngineKernels kernels, string engineName) : IEfficiencyModel
{
    /// <summary>The device's own model.</summary>
    public IEfficiencyModel Inner { get; } = inner;

    /// <summary>The multipliers.</summary>
    public EngineKernels Kernels { get; } = kernels;

    public double Gemm(DataType type, double m, double n, double k) => Math.Min(1.0, Inner.Gemm(type, m, n, k) * Kernels.Gemm);
    public double Attention(DataType type, double flops) => Math.Min(1.0, Inner.Attention(type, flops) * Kernels.Attention);
    public double Memory(double bytes) => Math.Min(1.0, Inner.Memory(bytes) * Kernels.Memory);

    public string Description => $"{Inner.Description}; {engineName} kernels x{Kernels.Gemm:0.###} gemm, x{Kernels.Attention:0.###} attention, x{Kernels.Memory:0.###} memory";

    /// <summary>The model with the engine's multipliers, or <paramref name="inner"/> itself when they change nothing.</summary>
    public static IEfficiencyModel Wrap(IEfficiencyModel inner, EngineProfile engine) =>
        engine.Kernels.Changes ? new EngineEfficiency(inner, engine.Kernels, engine.Name) : inner;
}
