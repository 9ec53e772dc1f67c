namespace Simulator.Roofline;

/// <summary>
/// How one replica is split over devices. Tensor parallel (<see cref="Tp"/>: heads and MLP columns), pipeline parallel
/// (<see cref="Pp"/>: layer stages), attention data parallel (<see cref="Dp"/>: the batch is split over Dp attention
/// ranks, each Tp devices wide, each holding the full attention weights and its own KV cache, as TensorRT-LLM's
/// attention DP and SGLang's <c>--enable-dp-attention</c> run DeepSeek and Qwen3 MoE) and expert parallel
/// (<see cref="Ep"/>: routed experts spread over EP ranks). Without DP, EP divides TP (experts distributed across the
/// tensor-parallel group); with DP, EP spans every device of a stage (Tp x Dp: "DEP", DEP4 is Dp 4, Ep 4) or is 1
/// (the MoE tensor-parallel over the stage). A replica uses Tp x Dp x Pp devices; independent replicas are counted apart.
/// </summary>
public readonly record struct Parallelism(int Tp = 1, int Pp = 1, int Ep = 1, int Dp = 1)
{
    /// <summary>Devices one replica occupies.</summary>
    public int Devices => Tp * Pp * Dp;

    /// <summary>Devices of one pipeline stage: Dp attention ranks of Tp devices each (the MoE group).</summary>
    public int StageDevices => Tp * Dp;

    /// <summary>One device, no parallelism.</summary>
    public static Parallelism Single { get; } = new(1, 1, 1, 1);

    /// <summary><c>TP4 PP1</c>, <c>TP8 PP1 EP8</c>, and with attention data parallelism <c>DP8 TP1 PP1 EP8</c>.</summary>
    public override string ToString() =>
        Dp > 1 ? $"DP{Dp} TP{Tp} PP{Pp} EP{Ep}" : Ep > 1 ? $"TP{Tp} PP{Pp} EP{Ep}" : $"TP{Tp} PP{Pp}";
}
