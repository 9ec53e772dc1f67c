using Simulator.Core.Specs;

namespace Simulator.Roofline;

/// <summary>
/// Fractions of datasheet peak an operator reaches. The defaults are documented constants per device kind;
/// a profile's own <c>efficiency:</c> overrides them, and a calibration (fitted curves of efficiency against
/// operator size) overrides both. Keeping efficiency separate from launch overhead keeps the two effects
/// visible: small operators are slow because of the fixed cost, large ones because of the efficiency.
/// </summary>
public interface IEfficiencyModel
{
    /// <summary>Fraction of the peak of <paramref name="type"/> a matrix multiply of m x n x k reaches.</summary>
    double Gemm(DataType type, double m, double n, double k);

    /// <summary>Fraction of peak an attention kernel reaches for its FLOP count.</summary>
    double Attention(DataType type, double flops);

    /// <summary>Fraction of main-memory bandwidth a kernel moving <paramref name="bytes"/> reaches.</summary>
    double Memory(double bytes);

    /// <summary>Short description for reports ("defaults for gpu", "calibrated 2026-11-22", ...).</summary>
    string Description { get; }
}

/// <summary>Constant efficiencies: the profile's own, or the per-kind defaults below.</summary>
public sealed class ConstantEfficiency(double compute, double memory, string description) : IEfficiencyModel
{
    public double ComputeFraction { get; } = compute;
    public double MemoryFraction { get; } = memory;
    public string Description { get; } = description;

    public double Gemm(DataType type, double m, double n, double k) => ComputeFraction;
    public double Attention(DataType type, double flops) => ComputeFraction;
    public double Memory(double bytes) => MemoryFraction;

    /// <summary>
    /// Defaults when a profile gives none. GPUs: large bf16 GEMMs reach 80% (H100, 794 of 989 TFLOP/s) to 87%
    /// (A100, 271 of 312) of peak in the maximum-achievable-matmul measurements (shared/reference/mamf), 0.75
    /// leaves room for the shapes inference produces; streams reach about 90% of HBM bandwidth (3.0 of
    /// 3.35 TB/s on H100 device copies), 0.85 likewise. FPGAs reach less of their DSP peak (FlightLLM reports
    /// 60-70% utilisation); NPUs and CPUs are assumed at 0.5 compute and 0.7 memory, stated as assumptions.
    /// </summary>
    public static ConstantEfficiency For(HardwareProfile device)
    {
        var (c, m) = device.Kind switch
        {
            DeviceKind.Gpu => (0.75, 0.85),
            DeviceKind.Fpga => (0.65, 0.80),
            DeviceKind.Npu => (0.50, 0.70),
            // TPUs (systolic MXUs fed from HBM): no measured TPU row is shipped to calibrate them, so the NPU assumption
            // stands until one is; a kind of their own lets that change without touching the NPUs.
            DeviceKind.Tpu => (0.50, 0.70),
            _ => (0.50, 0.70),
        };
        if (device.Efficiency is { } e)
        {
            if (!double.IsNaN(e.Compute)) c = e.Compute;
            if (!double.IsNaN(e.Memory)) m = e.Memory;
            return new ConstantEfficiency(c, m, $"profile constants (compute {c:0.00}, memory {m:0.00})");
        }
        return new ConstantEfficiency(c, m, $"{device.Kind.ToString().ToLowerInvariant()} defaults (compute {c:0.00}, memory {m:0.00})");
    }
}
