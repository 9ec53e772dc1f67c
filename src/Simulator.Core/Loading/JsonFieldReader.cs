using System.Globalization;
using System.Text.Json;
using Simulator.Core.Units;

namespace Simulator.Core.Loading;

/// <summary>
/// Reads fields of a JSON object (a Hugging Face config.json, or an object nested in one such as a multimodal
/// checkpoint's <c>text_config</c>), locating lines by key.
/// </summary>
public sealed class JsonFieldReader : IFieldReader
{
    private readonly JsonElement _root;
    private readonly string _text;
    private readonly List<SpecError> _errors;
    private readonly HashSet<string> _known = new(StringComparer.Ordinal);
    private readonly string _path;
    private readonly int _searchFrom;

    private JsonFieldReader(string file, string text, JsonElement root, List<SpecError> errors, string path = "", int searchFrom = 0)
    {
        File = file;
        _text = text;
        _root = root;
        _errors = errors;
        _path = path;
        _searchFrom = searchFrom;
    }

    public string File { get; }

    public int Line => _searchFrom == 0 ? 1 : LineAt(_searchFrom);

    /// <summary>Parses the text as a JSON object, or records why it cannot.</summary>
    public static JsonFieldReader? Open(string file, string text, List<SpecError> errors)
    {
        try
        {
            using var doc = JsonDocument.Parse(text, new JsonDocumentOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip });
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
            {
                errors.Add(new SpecError(file, 1, "", "expected a JSON object ({ ... })"));
                return null;
            }
            return new JsonFieldReader(file, text, doc.RootElement.Clone(), errors);
        }
        catch (JsonException e)
        {
            errors.Add(new SpecError(file, (int)(e.LineNumber ?? 0) + 1, "", "malformed JSON: " + e.Message.Split(" Path:")[0]));
            return null;
        }
    }

    // Keys are found by text search from where this object starts (a nested object's keys after its own key).
    private int LineOfKey(string key)
    {
        int idx = _text.IndexOf('"' + key + '"', _searchFrom, StringComparison.Ordinal);
        return idx < 0 ? Line : LineAt(idx);
    }

    private int LineAt(int index)
    {
        int line = 1;
        for (int i = 0; i < index && i < _text.Length; i++) if (_text[i] == '\n') line++;
        return line;
    }

    private string Qualify(string key) => _path.Length == 0 ? key : _path + "." + key;

    private JsonElement? Get(string key, bool required)
    {
        _known.Add(key);
        if (_root.TryGetProperty(key, out var v) && v.ValueKind != JsonValueKind.Null) return v;
        if (required) _errors.Add(new SpecError(File, Line, Qualify(key), "required field is missing"));
        return null;
    }

    public bool Has(string key) => Get(key, false) is not null;

    /// <summary>Whether the key is present at all, even as null (<c>"sliding_window": null</c> differs from no key).</summary>
    public bool Mentions(string key)
    {
        _known.Add(key);
        return _root.TryGetProperty(key, out _);
    }

    /// <summary>A nested object (<c>text_config</c>) as a reader of its own; null when absent, an error when not an object.</summary>
    public JsonFieldReader? Object(string key)
    {
        var v = Get(key, false);
        if (v is null) return null;
        if (v.Value.ValueKind != JsonValueKind.Object)
        {
            Error(key, "expected an object ({ ... })");
            return null;
        }
        int at = _text.IndexOf('"' + key + '"', _searchFrom, StringComparison.Ordinal);
        return new JsonFieldReader(File, _text, v.Value, _errors, Qualify(key), Math.Max(at, _searchFrom));
    }

    public string? Str(string key, bool required = false)
    {
        var v = Get(key, required);
        if (v is null) return null;
        if (v.Value.ValueKind == JsonValueKind.String) return v.Value.GetString();
        if (v.Value.ValueKind is JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False) return v.Value.GetRawText();
        Error(key, "expected text");
        return null;
    }

    public long? Int(string key, bool required = false, long min = 1, long max = 1_000_000_000)
    {
        var v = Get(key, required);
        if (v is null) return null;
        if (v.Value.ValueKind != JsonValueKind.Number || !v.Value.TryGetInt64(out long n))
        {
            Error(key, $"expected a whole number, got {v.Value.GetRawText()}");
            return null;
        }
        if (n < min || n > max)
        {
            Error(key, n < min ? $"must be at least {min}, got {n}" : $"{n} is implausibly large (at most {max})");
            return null;
        }
        return n;
    }

    public bool? Bool(string key)
    {
        var v = Get(key, false);
        if (v is null) return null;
        if (v.Value.ValueKind is JsonValueKind.True or JsonValueKind.False) return v.Value.GetBoolean();
        Error(key, $"expected true or false, got {v.Value.GetRawText()}");
        return null;
    }

    public double? Number(string key, bool required = false, double min = 0, double max = 1e12)
    {
        var v = Get(key, required);
        if (v is null) return null;
        if (v.Value.ValueKind != JsonValueKind.Number || !double.TryParse(v.Value.GetRawText(), NumberStyles.Float, CultureInfo.InvariantCulture, out double d))
        {
            Error(key, $"expected a number, got {v.Value.GetRawText()}");
            return null;
        }
        if (d < min || d > max)
        {
            Error(key, $"{d.ToString(CultureInfo.InvariantCulture)} is outside the valid range");
            return null;
        }
        return d;
    }

    public double? Quantity(string key, QuantityKind kind, bool required = false, double max = double.MaxValue, bool allowZero = false)
    {
        var s = Str(key, required);
        return s is null ? null : QuantityChecks.Check(this, key, s, kind, max, allowZero);
    }

    /// <summary>An array of strings (empty when absent).</summary>
    public IReadOnlyList<string> StrList(string key)
    {
        var v = Get(key, false);
        if (v is null) return [];
        if (v.Value.ValueKind != JsonValueKind.Array)
        {
            Error(key, "expected a list of strings");
            return [];
        }
        var list = new List<string>();
        foreach (var e in v.Value.EnumerateArray())
        {
            if (e.ValueKind == JsonValueKind.String) list.Add(e.GetString()!);
            else Error(key, "expected a list of strings");
        }
        return list;
    }

    /// <summary>An array of whole numbers (empty when absent).</summary>
    public IReadOnlyList<long> IntList(string key)
    {
        var v = Get(key, false);
        if (v is null) return [];
        if (v.Value.ValueKind != JsonValueKind.Array)
        {
            Error(key, "expected a list of whole numbers");
            return [];
        }
        var list = new List<long>();
        foreach (var e in v.Value.EnumerateArray())
        {
            if (e.ValueKind == JsonValueKind.Number && e.TryGetInt64(out long n)) list.Add(n);
            else Error(key, "expected a list of whole numbers");
        }
        return list;
    }

    public void Error(string key, string message) => _errors.Add(new SpecError(File, LineOfKey(key), Qualify(key), message));

    public void Ignore(params string[] keys)
    {
        foreach (var k in keys) _known.Add(k);
    }

    /// <summary>Hugging Face configs carry many fields a performance model does not need; they are ignored, not errors.</summary>
    public void Finish() { }
}
