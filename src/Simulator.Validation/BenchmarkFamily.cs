namespace Simulator.Validation;

/// <summary>What a measured row measures; the name in the CSV's <c>benchmark</c> column is the member name in lower case,
/// words joined by hyphens (<see cref="ServingMaxload"/> is <c>serving-maxload</c>).</summary>
public enum BenchmarkFamily
{
    /// <summary>One matrix multiply (m, n, k, data type).</summary>
    Gemm,
    /// <summary>A memory stream of a number of bytes.</summary>
    Membw,
    /// <summary>Kernel launch overhead (eager, a host round trip, or inside a CUDA graph).</summary>
    Launch,
    /// <summary>One layer's attention at a batch and context.</summary>
    Attention,
    /// <summary>One whole transformer layer at a batch and context.</summary>
    Layer,
    /// <summary>End-to-end static-batch figures: TTFT, TPOT, tokens per second.</summary>
    E2e,
    /// <summary>An all-reduce of a number of bytes over a number of devices.</summary>
    Allreduce,
    /// <summary>Max-load serving throughput (CSV name <c>serving-maxload</c>): output tokens per second per GPU at a concurrency.</summary>
    ServingMaxload,
}

/// <summary>Names of <see cref="BenchmarkFamily"/> members as the CSV writes them.</summary>
public static class BenchmarkFamilies
{
    /// <summary>Every family, in report order.</summary>
    public static IReadOnlyList<BenchmarkFamily> All { get; } = Enum.GetValues<BenchmarkFamily>();

    /// <summary>The CSV name ("gemm", "membw", ...).</summary>
    public static string Name(this BenchmarkFamily f) => Names[(int)f];

    /// <summary>The family of a CSV name, or null for an unknown one.</summary>
    public static BenchmarkFamily? Parse(string name)
    {
        int i = Array.IndexOf(Names, name);
        return i < 0 ? null : (BenchmarkFamily)i;
    }

    private static readonly string[] Names = Enum.GetValues<BenchmarkFamily>()
        .Select(f => string.Concat(f.ToString().Select((c, i) => i > 0 && char.IsUpper(c) ? "-" + char.ToLowerInvariant(c) : char.ToLowerInvariant(c).ToString())))
        .ToArray();
}
