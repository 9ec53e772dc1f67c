namespace Simulator.Roofline;

/// <summary>
/// How one replica is split over devices: tensor parallel (heads and MLP columns), pipeline parallel
/// (layer stages) and expert parallel (routed experts distributed across the tensor-parallel group, so
/// <see cref="Ep"/> divides <see cref="Tp"/>). A replica uses Tp x Pp devices; data-parallel replicas are
/// counted separately.
/// </summary>
public readonly record struct Parallelism(int Tp = 1, int Pp = 1, int Ep = 1)
{
    /// <summary>Devices one replica occupies.</summary>
    public int Devices => Tp * Pp;

    public static Parallelism Single { get; } = new(1, 1, 1);

    public override string ToString() => Ep > 1 ? $"TP{Tp} PP{Pp} EP{Ep}" : $"TP{Tp} PP{Pp}";
}
