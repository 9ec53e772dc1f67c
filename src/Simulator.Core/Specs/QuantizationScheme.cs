using System.Globalization;
using System.Text.RegularExpressions;

namespace Simulator.Core.Specs;

/// <summary>The parts of a layer whose weights a mixed-precision checkpoint may store in different formats.</summary>
public enum QuantModule
{
    /// <summary>Attention projections (q, k, v, o; MLA's down- and up-projections).</summary>
    Attention,
    /// <summary>Dense MLPs and shared experts.</summary>
    Mlp,
    /// <summary>Routed experts of a mixture-of-experts layer.</summary>
    Experts,
}

/// <summary>
/// Per-module weight formats of a mixed-precision checkpoint (gpt-oss: MXFP4 experts, bf16 attention). A null entry
/// uses the scheme's own format. Only weight bytes and the compute type of that module's matrix multiplies change;
/// activations and the KV cache follow the scheme.
/// </summary>
public sealed record ModuleQuantization(QuantizationScheme? Attention, QuantizationScheme? Mlp, QuantizationScheme? Experts);

/// <summary>
/// How weights, activations and the KV cache are stored: each has its own format. Block-scaled formats store one
/// scale per <see cref="GroupSize"/> weights, <see cref="ScaleBits"/> wide (a 16-bit scale for AWQ/GPTQ and GGUF's
/// Q4_0/Q8_0; an 8-bit E4M3 scale per 16 for NVFP4; an 8-bit E8M0 scale per 32 for MXFP4; an FP32 scale per
/// 128 x 128 block for DeepSeek's block FP8), and the bytes per weight include them.
/// </summary>
/// <param name="Name">Canonical name, e.g. <c>bf16</c>, <c>fp8</c>, <c>w4a16</c>, <c>w4a16kv8</c>, <c>nvfp4kv8</c>.</param>
/// <param name="GroupSize">Elements sharing one scale; 0 for per-tensor/per-channel scales (negligible bytes).</param>
public sealed partial record QuantizationScheme(string Name, DataType Weights, DataType Activations, DataType KvCache, int GroupSize)
{
    /// <summary>Width of each group's scale in bits (16 unless the format says otherwise).</summary>
    public int ScaleBits { get; init; } = 16;

    /// <summary>
    /// Average stored bits per weight of the layers when a format mixes block types (GGUF Q4_K_M: Q4_K with some
    /// tensors in Q6_K); NaN when every weight has the same format.
    /// </summary>
    public double MixedBitsPerWeight { get; init; } = double.NaN;

    /// <summary>Bits per element of the token-embedding table (16 unless the format quantizes it, as GGUF does).</summary>
    public double EmbeddingBitsPerElement { get; init; } = 16;

    /// <summary>Bits per element of the LM head (16 unless the format quantizes it: GGUF stores it in Q6_K or Q8_0).</summary>
    public double HeadBitsPerElement { get; init; } = 16;

    /// <summary>KV-cache elements sharing one 8-bit scale (NVFP4 KV cache: 16); 0 for per-tensor scales.</summary>
    public int KvGroupSize { get; init; }

    /// <summary>Formats of individual modules when they differ from this scheme's (null: every module uses it).</summary>
    public ModuleQuantization? Modules { get; init; }

    /// <summary>Stored bits per weight element, scales included.</summary>
    public double WeightBitsPerElement => WeightBytesPerElement * 8;

    /// <summary>Bytes per weight element including group scales.</summary>
    public double WeightBytesPerElement =>
        !double.IsNaN(MixedBitsPerWeight) ? MixedBitsPerWeight / 8 : Weights.Bytes() + (GroupSize > 0 ? ScaleBits / 8.0 / GroupSize : 0);

    /// <summary>Bytes per activation element.</summary>
    public double ActivationBytesPerElement => Activations.Bytes();

    /// <summary>Bytes per KV-cache element, 8-bit scales included (NVFP4 KV: 0.5 + 1/16).</summary>
    public double KvBytesPerElement => KvCache.Bytes() + (KvGroupSize > 0 ? 1.0 / KvGroupSize : 0);

    /// <summary>The KV cache's format as outputs print it: <c>bf16</c>, <c>fp16</c>, <c>fp8</c>, <c>int8</c>, <c>nvfp4</c>.</summary>
    public string KvCacheName => KvCache == DataType.Fp4 ? "nvfp4" : KvCache.Name();

    /// <summary>The name with the KV cache's format, as tables print a scheme: <c>fp8 (KV bf16)</c>.</summary>
    public string Label => $"{Name} (KV {KvCacheName})";

    /// <summary>
    /// The data type the matrix units compute in for this weight/activation pair, before any device fallback.
    /// It is always the activation type: weight-only quantization (W4A16, W8A16) dequantizes weights to 16-bit
    /// before the multiply; W8A8 multiplies in int8, FP8 and W4A8 in fp8, W4A4 in int4, NVFP4 and MXFP4 in fp4;
    /// GGUF formats in int8 (llama.cpp quantizes activations to Q8 blocks for its integer dot products).
    /// </summary>
    public DataType ComputeType => Activations;

    /// <summary>The scheme a module's weights use: its override, else this scheme.</summary>
    public QuantizationScheme For(QuantModule module) => module switch
    {
        QuantModule.Attention => Modules?.Attention ?? this,
        QuantModule.Mlp => Modules?.Mlp ?? this,
        _ => Modules?.Experts ?? this,
    };

    public static QuantizationScheme Bf16 { get; } = new("bf16", DataType.Bf16, DataType.Bf16, DataType.Bf16, 0);
    public static QuantizationScheme Fp16 { get; } = new("fp16", DataType.Fp16, DataType.Fp16, DataType.Fp16, 0);

    private const string KvChoices = "nvfp4|fp4|int8|fp8|16|8|4";

    [GeneratedRegex(@"^w(?<w>4|8|16|fp8|int4|int8)a(?<a>4|8|16|fp8|int8)(kv(?<kv>" + KvChoices + @"))?(g(?<g>\d+))?$")]
    private static partial Regex WaPattern();

    [GeneratedRegex(@"^(?<base>fp32|bf16|fp16|fp8|int8|int4|awq|gptq)(kv(?<kv>" + KvChoices + @"))?(g(?<g>\d+))?$")]
    private static partial Regex AliasPattern();

    [GeneratedRegex(@"^(?<base>nvfp4|mxfp4|fp8block|w4a8|q40|q4km|q80)(kv(?<kv>" + KvChoices + @"))?(g(?<g>\d+))?$")]
    private static partial Regex FormatPattern();

    /// <summary>Examples of accepted names, for messages and help text.</summary>
    public const string Examples = "bf16, fp16, fp8, fp8kv8, int8 (= w8a8), w8a8, w8a16, w4a16, w4a16kv8, w4a16g64, awq, gptq, w4a4, " +
        "nvfp4, nvfp4kv8, nvfp4kvnvfp4, mxfp4, w4a8, fp8block, q4_0, q4_k_m, q8_0, mxfp4-experts, bf16+experts=mxfp4, fp8+experts=nvfp4";

    /// <summary>
    /// Bits per weight of the layers of a GGUF Q4_K_M file. llama.cpp's <c>llama_tensor_get_type</c> stores every layer
    /// tensor in Q4_K (144 bytes per 256 weights = 4.5 bpw) except attn_v and ffn_down in half of the layers
    /// (<c>use_more_bits</c>: the first and last eighth and every third layer between), which get Q6_K (210 bytes per
    /// 256 = 6.5625 bpw). For Llama-3.1-8B those are 62.9M of a layer's 218.1M weights in 16 of 32 layers:
    /// 4.5 + 0.5 × 62.9 / 218.1 × 2.0625 = 4.80 bpw. With token_embd in Q4_K and output in Q6_K the whole file is
    /// 4.89 bpw, the figure llama.cpp documents (tools/quantize/README.md: Q4_K_M 4.8944 bits/weight for Llama-3.1-8B).
    /// </summary>
    public const double Q4KMLayerBitsPerWeight = 4.80;

    /// <summary>GGUF Q6_K: 256 weights in 210 bytes (6.5625 bpw); llama.cpp stores the output (LM head) tensor in it.</summary>
    public const double Q6KBitsPerWeight = 6.5625;

    /// <summary>
    /// Parses a scheme name. <c>w{bits}a{bits}</c> gives weight and activation bits (8-bit is int8 unless written
    /// fp8; 4-bit weights default to group size 128, as AWQ and GPTQ ship; <c>w4a8</c> alone means FP8 activations, as
    /// TensorRT-LLM's W4A8 runs), <c>kv{bits}</c> the KV cache (8 = fp8, nvfp4 or fp4 = NVFP4; default: the activation
    /// type, at least 16-bit), <c>g{n}</c> the group size. Block-scaled formats: <c>nvfp4</c>, <c>mxfp4</c>,
    /// <c>fp8block</c>; GGUF: <c>q4_0</c>, <c>q4_k_m</c>, <c>q8_0</c>. Per-module formats:
    /// <c>BASE+attn=S+mlp=S+experts=S</c>; <c>mxfp4-experts</c> = <c>bf16+experts=mxfp4</c> (gpt-oss).
    /// </summary>
    /// <param name="nativeType">The 16-bit type to use where the name says "16" (bf16 or fp16).</param>
    public static bool TryParse(string? text, out QuantizationScheme scheme, out string error, DataType nativeType = DataType.Bf16)
    {
        scheme = Bf16;
        error = "";
        if (nativeType is not (DataType.Bf16 or DataType.Fp16)) nativeType = DataType.Bf16;
        string raw = (text ?? "").Trim().ToLowerInvariant();
        if (raw is "mxfp4-experts" or "mxfp4_experts" or "mxfp4experts") raw = nativeType.Name() + "+experts=mxfp4";
        if (raw.Contains('+')) return TryParseMixed(text, raw, out scheme, out error, nativeType);
        if (raw.Contains('='))
        {
            error = $"quantization '{text}': a module format needs a base scheme first, such as bf16+{raw}";
            return false;
        }
        return TryParseSingle(text, raw, out scheme, out error, nativeType);
    }

    /// <summary><c>BASE+module=SCHEME+...</c>: the base scheme with per-module weight formats.</summary>
    private static bool TryParseMixed(string? text, string raw, out QuantizationScheme scheme, out string error, DataType nativeType)
    {
        scheme = Bf16;
        var parts = raw.Split('+', StringSplitOptions.TrimEntries);
        if (!TryParseSingle(text, parts[0], out var baseScheme, out error, nativeType)) return false;
        QuantizationScheme? attn = null, mlp = null, experts = null;
        foreach (var part in parts.Skip(1))
        {
            int eq = part.IndexOf('=');
            string module = eq < 0 ? part : part[..eq].Trim();
            if (eq < 0 || part[(eq + 1)..].Trim().Length == 0)
            {
                error = $"quantization '{text}': '{part}' should be MODULE=SCHEME, such as experts=mxfp4 (modules: attn, mlp, experts)";
                return false;
            }
            if (!TryParseSingle(text, part[(eq + 1)..].Trim(), out var s, out error, nativeType)) return false;
            ref QuantizationScheme? slot = ref attn;
            switch (module)
            {
                case "attn" or "attention": slot = ref attn; break;
                case "mlp" or "dense": slot = ref mlp; break;
                case "experts" or "moe": slot = ref experts; break;
                default:
                    error = $"quantization '{text}': unknown module '{module}'; expected attn, mlp or experts";
                    return false;
            }
            if (slot is not null)
            {
                error = $"quantization '{text}': module '{module}' is given twice";
                return false;
            }
            slot = s;
        }
        // An override equal to the base changes nothing; drop it so that the name says only what differs.
        QuantizationScheme? Differs(QuantizationScheme? s) => s is not null && s.Name != baseScheme.Name ? s : null;
        attn = Differs(attn);
        mlp = Differs(mlp);
        experts = Differs(experts);
        if (attn is null && mlp is null && experts is null) { scheme = baseScheme; return true; }
        string name = baseScheme.Name + (attn is null ? "" : "+attn=" + attn.Name) + (mlp is null ? "" : "+mlp=" + mlp.Name) + (experts is null ? "" : "+experts=" + experts.Name);
        scheme = baseScheme with { Name = name, Modules = new ModuleQuantization(attn, mlp, experts) };
        return true;
    }

    private static bool TryParseSingle(string? text, string raw, out QuantizationScheme scheme, out string error, DataType nativeType)
    {
        scheme = Bf16;
        error = "";
        string s = raw.Replace("-", "").Replace("_", "");
        DataType Sixteen() => nativeType;
        DataType? Bits(string v) => v switch
        {
            "16" => Sixteen(),
            "8" or "int8" => DataType.Int8,
            "fp8" => DataType.Fp8,
            "4" or "int4" => DataType.Int4,
            _ => null,
        };

        DataType w, a;
        string? kvText, gText;
        string format = "";
        var fm = FormatPattern().Match(s);
        var wa = WaPattern().Match(s);
        if (fm.Success)
        {
            format = fm.Groups["base"].Value;
            (w, a) = format switch
            {
                "nvfp4" or "mxfp4" => (DataType.Fp4, DataType.Fp4),
                "fp8block" => (DataType.Fp8, DataType.Fp8),
                "w4a8" => (DataType.Int4, DataType.Fp8),
                "q80" => (DataType.Int8, DataType.Int8),
                _ /* q40, q4km */ => (DataType.Int4, DataType.Int8),
            };
            kvText = fm.Groups["kv"].Success ? fm.Groups["kv"].Value : null;
            gText = fm.Groups["g"].Success ? fm.Groups["g"].Value : null;
            if (gText is not null && format != "w4a8")
            {
                error = $"quantization '{text}': {format} fixes its own block size; a g suffix is not accepted";
                return false;
            }
            if (format == "w4a8") format = "";
        }
        else if (wa.Success)
        {
            w = Bits(wa.Groups["w"].Value)!.Value;
            a = Bits(wa.Groups["a"].Value)!.Value;
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
        DataType kv = kvText switch
        {
            null => a.Bits() >= 16 ? a : Sixteen(),
            "16" => Sixteen(),
            "8" or "fp8" => DataType.Fp8,
            "int8" => DataType.Int8,
            "4" => DataType.Int4,
            _ /* nvfp4, fp4 */ => DataType.Fp4,
        };
        int group = gText is not null
            ? (int.TryParse(gText, NumberStyles.None, CultureInfo.InvariantCulture, out int g) ? g : -1)
            : format switch
            {
                "nvfp4" => 16,
                "mxfp4" or "q40" or "q80" => 32,
                "fp8block" => 128 * 128,
                "q4km" => 0,
                _ => w is DataType.Int4 ? 128 : 0,
            };
        if (gText is not null && (group < 8 || group > 1 << 16))
        {
            error = $"quantization '{text}': group size {gText} is outside 8..65536";
            return false;
        }
        DataType sixteen = a.Bits() >= 16 ? a : Sixteen();
        string name = format.Length > 0 ? FormatName(format) + KvPart(kv, sixteen) : CanonicalName(w, a, kv, group, sixteen);
        scheme = new QuantizationScheme(name, w, a, kv, group) { KvGroupSize = kv == DataType.Fp4 ? 16 : 0 };
        scheme = format switch
        {
            // NVFP4: an FP8 E4M3 scale per 16 FP4 values (+ one FP32 scale per tensor, negligible): 4 + 8/16 = 4.5 bits.
            "nvfp4" => scheme with { ScaleBits = 8 },
            // MXFP4 (OCP Microscaling v1.0): an E8M0 scale per 32 FP4 values: 4 + 8/32 = 4.25 bits.
            "mxfp4" => scheme with { ScaleBits = 8 },
            // DeepSeek-V3 block FP8: an FP32 scale per 128 x 128 weight block: 8 + 32/16384 bits.
            "fp8block" => scheme with { ScaleBits = 32 },
            // GGUF (ggml-common.h): block_q4_0 = fp16 d + 16 bytes of nibbles per 32 weights (4.5 bpw); block_q8_0 =
            // fp16 d + 32 int8 (8.5 bpw). token_embd keeps the base type; output.weight is Q6_K (Q8_0 for Q8_0 files).
            "q40" => scheme with { EmbeddingBitsPerElement = 4.5, HeadBitsPerElement = Q6KBitsPerWeight },
            "q80" => scheme with { EmbeddingBitsPerElement = 8.5, HeadBitsPerElement = 8.5 },
            "q4km" => scheme with { MixedBitsPerWeight = Q4KMLayerBitsPerWeight, EmbeddingBitsPerElement = 4.5, HeadBitsPerElement = Q6KBitsPerWeight },
            _ => scheme,
        };
        return true;
    }

    /// <summary>Parses or throws; for code and tests.</summary>
    public static QuantizationScheme Parse(string text, DataType nativeType = DataType.Bf16) =>
        TryParse(text, out var q, out var e, nativeType) ? q : throw new FormatException(e);

    private static string FormatName(string format) => format switch
    {
        "q40" => "q4_0",
        "q4km" => "q4_k_m",
        "q80" => "q8_0",
        _ => format,
    };

    private static string KvPart(DataType kv, DataType sixteen) =>
        kv == sixteen ? "" : "kv" + (kv switch { DataType.Int8 => "int8", DataType.Fp4 => "nvfp4", _ => kv.Bits().ToString(CultureInfo.InvariantCulture) });

    private static string CanonicalName(DataType w, DataType a, DataType kv, int group, DataType sixteen)
    {
        string baseName = (w, a) switch
        {
            _ when w == a && w is DataType.Bf16 or DataType.Fp16 or DataType.Fp32 => w.Name(),
            (DataType.Fp8, DataType.Fp8) => "fp8",
            // TensorRT-LLM's W4A8: int4 weights, FP8 activations; int8 activations are written out (w4aint8).
            (DataType.Int4, DataType.Fp8) => "w4a8",
            (DataType.Int4, DataType.Int8) => "w4aint8",
            _ => $"w{Short(w)}a{Short(a)}",
        };
        string gPart = group > 0 && group != 128 ? "g" + group : (group == 0 && w is DataType.Int4 ? "g0" : "");
        return baseName + KvPart(kv, sixteen) + gPart;
    }

    private static string Short(DataType t) => t switch
    {
        DataType.Fp8 => "fp8",
        DataType.Bf16 or DataType.Fp16 => "16",
        _ => t.Bits().ToString(CultureInfo.InvariantCulture),
    };

    /// <inheritdoc/>
    public override string ToString() => Name;
}
