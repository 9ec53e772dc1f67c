namespace Simulator.Roofline;

/// <summary>The roofline time of one kernel, shared by the cost model and the validator so both use one formula.</summary>
public static class KernelTime
{
    /// <summary>max(FLOPs / (peak x compute efficiency), bytes / (bandwidth x memory efficiency)) + overhead.</summary>
    public static double Seconds(double flops, double bytes, double peak, double computeEfficiency, double bandwidth, double memoryEfficiency, double overhead) =>
        Math.Max(flops > 0 ? flops / (peak * computeEfficiency) : 0, bytes > 0 ? bytes / (bandwidth * memoryEfficiency) : 0) + overhead;
}
