using System.Text.RegularExpressions;

namespace Simulator.Core.Specs;

/// <summary>
/// How weights, activations and the KV cache are stored: each has its own format. Group-wise weight
/// quantization stores one 16-bit scale (and, for asymmetric schemes, one zero point) per group.
/// </summary>
/// <param name="Name">Canonical name, e.g. <c>bf16</c>, <c>fp8</c>, <c>w4a16</c>, <c>w4a16kv8</c>.</param>
/// <param name="GroupSize">Elements sharing one scale; 0 for per-tensor/per-channel scales (negligible bytes).</param>
public sealed partial record QuantizationScheme(string Name, DataType Weights, DataType Activations, DataType KvCache, int GroupSize)
{
    /// <summary>Bytes per weight element including group scales (a 16-bit scale per group).</summary>
    public double WeightBytesPerElement => Weights.Bytes() + (GroupSize > 0 ? 2.0 / GroupSize : 0);

    /// <summary>Bytes per activation element.</summary>
    public double ActivationBytesPerElement => Activations.Bytes();

    /// <summary>Bytes per KV-cache element.</summary>
    public double KvBytesPerElement => KvCache.Bytes();

    /// <summary>
    /// The data type the matrix units compute in for this weight/activation pair, before any device fallback.
    /// It is always the activation type: weight-only quantization (W4A16, W8A16) dequantizes weights to 16-bit
    /// before the multiply; W8A8 multiplies in int8, FP8 in fp8, W4A4 in int4.
    /// </summary>
    public DataType ComputeType => Activations;

    public static QuantizationScheme Bf16 { get; } = new("bf16", DataType.Bf16, DataType.Bf16, DataType.Bf16, 0);
    public static QuantizationScheme Fp16 { get; } = new("fp16", DataType.Fp16, DataType.Fp16, DataType.Fp16, 0);

    [GeneratedRegex(@"^w(?<w>4|8|16|fp8|int4|int8)a(?<a>4|8|16|fp8|int8)(kv(?<kv>4|8|16|fp8|int8))?(g(?<g>\d+))?$")]
    private static partial Regex WaPattern();

    [GeneratedRegex(@"^(?<base>fp32|bf16|fp16|fp8|int8|int4|awq|gptq)(kv(?<kv>4|8|16|fp8|int8))?(g(?<g>\d+))?$")]
    private static partial Regex AliasPattern();

    /// <summary>Examples of accepted names, for messages and help text.</summary>
    public const string Examples = "bf16, fp16, fp8, fp8kv8, int8 (= w8a8), w8a8, w8a16, w4a16, w4a16kv8, w4a16g64, awq, gptq, w4a4";

    /// <summary>
    /// Parses a scheme name. <c>w{bits}a{bits}</c> gives weight and activation bits (8-bit is int8 unless written
    /// fp8; 4-bit weights default to group size 128, as AWQ and GPTQ ship), <c>kv{bits}</c> the KV cache
    /// (8 = fp8; default: the activation type, at least 16-bit), <c>g{n}</c> the group size.
    /// </summary>
    /// <param name="nativeType">The 16-bit type to use where the name says "16" (bf16 or fp16).</param>
    public static bool TryParse(string? text, out QuantizationScheme scheme, out string error, DataType nativeType = DataType.Bf16)
    {
        scheme = Bf16;
        error = "";
        string s = (text ?? "").Trim().ToLowerInvariant().Replace("-", "").Replace("_", "");
        if (nativeType is not (DataType.Bf16 or DataType.Fp16)) nativeType = DataType.Bf16;
        DataType Sixteen() => nativeType;
        DataType? Bits(string v, bool weight) => v switch
        {
            "16" => Sixteen(),
            "8" or "int8" => DataType.Int8,
            "fp8" => DataType.Fp8,
            "4" or "int4" => DataType.Int4,
            _ => null,
        };
        DataType KvOf(string v) => v switch { "16" => Sixteen(), "8" or "fp8" => DataType.Fp8, "int8" => DataType.Int8, "4" => DataType.Int4, _ => Sixteen() };

        DataType w, a;
        string? kvText, gText;
        var wa = WaPattern().Match(s);
        if (wa.Success)
        {
            w = Bits(wa.Groups["w"].Value, true)!.Value;
            a = Bits(wa.Groups["a"].Value, false)!.Value;
            kvText = wa.Groups["kv"].Success ? wa.Groups["kv"].Value : null;
            gText = wa.Groups["g"].Success ? wa.Groups["g"].Value : null;
        }
        else
        {
            var al = AliasPattern().Match(s);
            if (!al.Success)
            {
                error = $"unknown quantization '{text}'; expected one of: {Examples}";
                return false;
            }
            (w, a) = al.Groups["base"].Value switch
            {
                "fp32" => (DataType.Fp32, DataType.Fp32),
                "bf16" => (DataType.Bf16, DataType.Bf16),
                "fp16" => (DataType.Fp16, DataType.Fp16),
                "fp8" => (DataType.Fp8, DataType.Fp8),
                "int8" => (DataType.Int8, DataType.Int8),
                "int4" => (DataType.Int4, DataType.Int4),
                _ /* awq, gptq */ => (DataType.Int4, Sixteen()),
            };
            kvText = al.Groups["kv"].Success ? al.Groups["kv"].Value : null;
            gText = al.Groups["g"].Success ? al.Groups["g"].Value : null;
        }
        if (a is DataType.Int4 && w is not DataType.Int4)
        {
            error = $"quantization '{text}': 4-bit activations need 4-bit weights (w4a4)";
            return false;
        }
        DataType kv = kvText is null ? (a.Bits() >= 16 ? a : Sixteen()) : KvOf(kvText);
        int group = gText is not null ? int.Parse(gText) : (w is DataType.Int4 ? 128 : 0);
        if (gText is not null && (group < 8 || group > 1 << 16))
        {
            error = $"quantization '{text}': group size {group} is outside 8..65536";
            return false;
        }
        scheme = new QuantizationScheme(CanonicalName(w, a, kv, group, a.Bits() >= 16 ? a : Sixteen()), w, a, kv, group);
        return true;
    }

    /// <summary>Parses or throws; for code and tests.</summary>
    public static QuantizationScheme Parse(string text, DataType nativeType = DataType.Bf16) =>
        TryParse(text, out var q, out var e, nativeType) ? q : throw new FormatException(e);

    private static string CanonicalName(DataType w, DataType a, DataType kv, int group, DataType sixteen)
    {
        string baseName = (w, a) switch
        {
            _ when w == a && w is DataType.Bf16 or DataType.Fp16 or DataType.Fp32 => w.Name(),
            (DataType.Fp8, DataType.Fp8) => "fp8",
            _ => $"w{Short(w)}a{Short(a)}",
        };
        string kvPart = kv == (a.Bits() >= 16 ? a : sixteen) ? "" : "kv" + (kv == DataType.Int8 ? "int8" : kv.Bits().ToString());
        string gPart = group > 0 && group != 128 ? "g" + group : (group == 0 && w is DataType.Int4 ? "g0" : "");
        return baseName + kvPart + gPart;
    }

    private static string Short(DataType t) => t switch
    {
        DataType.Fp8 => "fp8",
        DataType.Bf16 or DataType.Fp16 => "16",
        _ => t.Bits().ToString(),
    };

    /// <inheritdoc/>
    public override string ToString() => Name;
}
