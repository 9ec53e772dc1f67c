namespace Simulator.Core.Specs;

/// <summary>Numeric formats a device computes in or a tensor is stored in.</summary>
public enum DataType
{
    Fp64,
    Fp32,
    Tf32,
    Bf16,
    Fp16,
    Fp8,
    Int8,
    Int4,
}

/// <summary>Facts about <see cref="DataType"/>.</summary>
public static class DataTypes
{
    /// <summary>Storage bits per element (tf32 is stored as fp32).</summary>
    public static int Bits(this DataType t) => t switch
    {
        DataType.Fp64 => 64,
        DataType.Fp32 or DataType.Tf32 => 32,
        DataType.Bf16 or DataType.Fp16 => 16,
        DataType.Fp8 or DataType.Int8 => 8,
        DataType.Int4 => 4,
        _ => throw new ArgumentOutOfRangeException(nameof(t)),
    };

    /// <summary>Bytes per element.</summary>
    public static double Bytes(this DataType t) => t.Bits() / 8.0;

    /// <summary>The lower-case name used in files and on the command line.</summary>
    public static string Name(this DataType t) => t.ToString().ToLowerInvariant();

    /// <summary>Parses a data-type name (<c>bf16</c>, <c>fp8</c>, <c>int8</c>, ...); also accepts <c>bfloat16</c>, <c>float16</c>, <c>half</c>, <c>float32</c>.</summary>
    public static bool TryParse(string? text, out DataType type)
    {
        type = default;
        switch (text?.Trim().ToLowerInvariant())
        {
            case "fp64" or "float64" or "double": type = DataType.Fp64; return true;
            case "fp32" or "float32" or "float": type = DataType.Fp32; return true;
            case "tf32": type = DataType.Tf32; return true;
            case "bf16" or "bfloat16": type = DataType.Bf16; return true;
            case "fp16" or "float16" or "half": type = DataType.Fp16; return true;
            case "fp8" or "e4m3" or "fp8_e4m3" or "float8_e4m3fn" or "e5m2": type = DataType.Fp8; return true;
            case "int8" or "i8": type = DataType.Int8; return true;
            case "int4" or "i4": type = DataType.Int4; return true;
            default: return false;
        }
    }

    /// <summary>All names accepted by <see cref="TryParse"/> in canonical form.</summary>
    public static IReadOnlyList<string> CanonicalNames { get; } = Enum.GetValues<DataType>().Select(Name).ToArray();
}
