using Simulator.Core.Specs;

namespace Simulator.Roofline;

/// <summary>The roofline time of one kernel, shared by the cost model and the validator so both use one formula.</summary>
public static class KernelTime
{
    /// <summary>max(FLOPs / (peak x compute efficiency), bytes / (bandwidth x memory efficiency)) + overhead.</summary>
    public static double Seconds(double flops, double bytes, double peak, double computeEfficiency, double bandwidth, double memoryEfficiency, double overhead) =>
        Roof(flops > 0 ? flops / (peak * computeEfficiency) : 0, bytes > 0 ? bytes / (bandwidth * memoryEfficiency) : 0) + overhead;

    /// <summary>The roofline: a kernel takes the longer of its compute time and its memory time (the two overlap).</summary>
    public static double Roof(double computeSeconds, double memorySeconds) => Math.Max(computeSeconds, memorySeconds);

    /// <summary>
    /// Bytes a GEMM of m x n x k moves when nothing stays on chip between its operands and its output: A (m x k) and
    /// B (k x n) read at the input width, C (m x n) written at 16 bits, or 32 bits for int8 (int32 accumulators), the
    /// usual cuBLASLt configuration. Used by the validator and the calibrator for measured GEMMs.
    /// </summary>
    public static double GemmBytes(double m, double n, double k, DataType type) =>
        (m * k + k * n) * type.Bytes() + m * n * (type == DataType.Int8 ? 4 : 2);
}
