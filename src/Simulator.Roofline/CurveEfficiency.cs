using Simulator.Core.Specs;

namespace Simulator.Roofline;

/// <summary>
/// A saturating efficiency curve over operator size: e(x) = max / (1 + exp(-slope (x - half))), with x the
/// base-10 logarithm of the operator's FLOPs (compute) or bytes (memory). Small kernels cannot fill the machine
/// (too few tiles, too little memory traffic in flight); large ones approach a ceiling below datasheet peak.
/// Three parameters per curve, fitted from measurements by <c>llmsim calibrate</c>, so a fit cannot memorise
/// individual shapes.
/// </summary>
public sealed record EfficiencyCurve(double Max, double HalfLog10, double Slope)
{
    /// <summary>Efficiency at a size (FLOPs or bytes), clamped to [0.01, 1].</summary>
    public double At(double size)
    {
        double x = Math.Log10(Math.Max(size, 1));
        double e = Max / (1 + Math.Exp(-Slope * (x - HalfLog10)));
        return Math.Clamp(e, 0.01, 1.0);
    }
}

/// <summary>Efficiencies from fitted curves; data types without a curve use the constant fallback.</summary>
public sealed class CurveEfficiency(IReadOnlyDictionary<DataType, EfficiencyCurve> gemm, EfficiencyCurve? memory, ConstantEfficiency fallback, string description) : IEfficiencyModel
{
    public IReadOnlyDictionary<DataType, EfficiencyCurve> GemmCurves { get; } = gemm;
    public EfficiencyCurve? MemoryCurve { get; } = memory;
    public string Description { get; } = description;

    public double Gemm(DataType type, double m, double n, double k) =>
        GemmCurves.TryGetValue(type, out var c) ? c.At(2 * m * n * k) : fallback.Gemm(type, m, n, k);

    /// <summary>Attention kernels are matrix work in the same units; the GEMM curve of their type stands in for them.</summary>
    public double Attention(DataType type, double flops) =>
        GemmCurves.TryGetValue(type, out var c) ? c.At(flops) : fallback.Attention(type, flops);

    public double Memory(double bytes) => MemoryCurve?.At(bytes) ?? fallback.Memory(bytes);
}
