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
    /// <summary>FP4 E2M1 (1 sign, 2 exponent, 1 mantissa bit): the element type of NVFP4 and MXFP4. Listed last so that
    /// ordering by type (the fallback of a device with none of the wanted types) is what it was before FP4 existed.</summary>
    Fp4,
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
        DataType.Int4 or DataType.Fp4 => 4,
        _ => throw new ArgumentOutOfRangeException(nameof(t)),
    };

    /// <summary>Bytes per element.</summary>
    public static double Bytes(this DataType t) => t.Bits() / 8.0;

    /// <summary>The lower-case name used in files and on the command line.</summary>
    public static string Name(this DataType t) => t.ToString().ToLowerInvariant();

    /// <summary>Parses a data-type name (<c>bf16</c>, <c>fp8</c>, <c>int8</c>, <c>fp4</c>, ...); also accepts <c>bfloat16</c>, <c>float16</c>, <c>half</c>, <c>float32</c>,
    /// and for FP4 <c>nvfp4</c>, <c>mxfp4</c>, <c>e2m1</c> (the peak of the FP4 tensor cores, whatever the scale format).</summary>
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
            case "fp4" or "nvfp4" or "mxfp4" or "e2m1" or "fp4_e2m1": type = DataType.Fp4; return true;
            default: return false;
        }
    }

    /// <summary>All names accepted by <see cref="TryParse"/> in canonical form.</summary>
    public static IReadOnlyList<string> CanonicalNames { get; } = Enum.GetValues<DataType>().Select(Name).ToArray();
}
