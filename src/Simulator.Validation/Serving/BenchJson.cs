using System.Globalization;
using System.Text;
using System.Text.Json;
using Simulator.Core.Loading;

namespace Simulator.Validation;

/// <summary>
/// Reading benchmark JSON leniently: Python's json.dumps writes the non-standard tokens <c>Infinity</c>, <c>-Infinity</c>
/// and <c>NaN</c> (SGLang's default request rate is inf), which are turned into strings before parsing; keys are located
/// by text search for line numbers; every key a reader did not ask for is reported as a warning, never an error.
/// </summary>
internal sealed class BenchJson
{
    private readonly string _text;
    private readonly int _from;
    private readonly HashSet<string> _known = new(StringComparer.Ordinal);

    private BenchJson(string file, string text, JsonElement root, int from, string path)
    {
        File = file;
        _text = text;
        Root = root;
        _from = from;
        Path = path;
    }

    public string File { get; }
    public JsonElement Root { get; }
    /// <summary>Dotted path of this object in the file ("" at the top).</summary>
    public string Path { get; }

    /// <summary>Line of this object (1-based).</summary>
    public int Line => LineAt(_from);

    /// <summary>Replaces bare Infinity, -Infinity and NaN outside strings with quoted strings, so System.Text.Json can parse the text.</summary>
    public static string Sanitize(string text)
    {
        if (!text.Contains("Infinity", StringComparison.Ordinal) && !text.Contains("NaN", StringComparison.Ordinal)) return text;
        var b = new StringBuilder(text.Length + 16);
        bool inString = false;
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (inString)
            {
                b.Append(c);
                if (c == '\\' && i + 1 < text.Length) b.Append(text[++i]);
                else if (c == '"') inString = false;
                continue;
            }
            if (c == '"') { inString = true; b.Append(c); continue; }
            foreach (var token in (string[])["-Infinity", "Infinity", "NaN"])
            {
                if (string.CompareOrdinal(text, i, token, 0, token.Length) == 0)
                {
                    b.Append('"').Append(token).Append('"');
                    i += token.Length - 1;
                    goto next;
                }
            }
            b.Append(c);
        next:;
        }
        return b.ToString();
    }

    /// <summary>Parses one JSON object starting at <paramref name="offset"/> of <paramref name="text"/> (its line for messages), or records why not.</summary>
    public static BenchJson? Parse(string file, string text, int offset, int length, List<SpecError> errors)
    {
        string part = Sanitize(text.Substring(offset, length));
        try
        {
            using var doc = JsonDocument.Parse(part, new JsonDocumentOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip, MaxDepth = 64 });
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
            {
                errors.Add(new SpecError(file, LineAt(text, offset), "", "expected a JSON object ({ ... })"));
                return null;
            }
            return new BenchJson(file, text, doc.RootElement.Clone(), offset, "");
        }
        catch (JsonException e)
        {
            errors.Add(new SpecError(file, LineAt(text, offset) + (int)(e.LineNumber ?? 0), "", "malformed JSON: " + e.Message.Split(" Path:")[0]));
            return null;
        }
    }

    private int LineAt(int index) => LineAt(_text, index);

    private static int LineAt(string text, int index)
    {
        int line = 1;
        for (int i = 0; i < index && i < text.Length; i++) if (text[i] == '\n') line++;
        return line;
    }

    public int LineOf(string key)
    {
        int i = _text.IndexOf('"' + key + '"', _from, StringComparison.Ordinal);
        return i < 0 ? Line : LineAt(i);
    }

    private string Qualify(string key) => Path.Length == 0 ? key : Path + "." + key;

    /// <summary>Whether the key is present (marks it known).</summary>
    public bool Has(string key)
    {
        _known.Add(key);
        return Root.TryGetProperty(key, out var v) && v.ValueKind != JsonValueKind.Null;
    }

    /// <summary>Marks keys as known without reading them (fields the validator has no use for, such as generated_texts).</summary>
    public void Ignore(params string[] keys)
    {
        foreach (var k in keys) _known.Add(k);
    }

    /// <summary>A number (JSON number, or the strings inf/Infinity/NaN); null when absent or null; a problem when not a number.</summary>
    public double? Number(string key, List<SpecError> errors)
    {
        _known.Add(key);
        if (!Root.TryGetProperty(key, out var v) || v.ValueKind == JsonValueKind.Null) return null;
        if (v.ValueKind == JsonValueKind.Number) return v.GetDouble();
        if (v.ValueKind == JsonValueKind.String)
        {
            string s = v.GetString()!.Trim();
            if (s is "inf" or "Infinity" or "+inf") return double.PositiveInfinity;
            if (s is "-inf" or "-Infinity") return double.NegativeInfinity;
            if (s is "NaN" or "nan") return double.NaN;
            if (double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out double d)) return d;
        }
        errors.Add(new SpecError(File, LineOf(key), Qualify(key), $"expected a number, got {v.GetRawText()}"));
        return null;
    }

    /// <summary>A string (numbers and booleans as written); null when absent.</summary>
    public string? Str(string key)
    {
        _known.Add(key);
        if (!Root.TryGetProperty(key, out var v) || v.ValueKind == JsonValueKind.Null) return null;
        return v.ValueKind == JsonValueKind.String ? v.GetString() : v.GetRawText();
    }

    /// <summary>A list of whole numbers (lengths); null when absent.</summary>
    public List<int>? IntList(string key, List<SpecError> errors)
    {
        _known.Add(key);
        if (!Root.TryGetProperty(key, out var v) || v.ValueKind == JsonValueKind.Null) return null;
        if (v.ValueKind != JsonValueKind.Array) { errors.Add(new SpecError(File, LineOf(key), Qualify(key), "expected a list of whole numbers")); return null; }
        var list = new List<int>();
        foreach (var e in v.EnumerateArray())
        {
            if (e.ValueKind == JsonValueKind.Number && e.TryGetInt32(out int n) && n >= 0) list.Add(n);
            else { errors.Add(new SpecError(File, LineOf(key), Qualify(key), $"expected whole numbers, found {e.GetRawText()}")); return null; }
        }
        return list;
    }

    /// <summary>A nested object; null when absent.</summary>
    public BenchJson? Object(string key)
    {
        _known.Add(key);
        if (!Root.TryGetProperty(key, out var v) || v.ValueKind != JsonValueKind.Object) return null;
        int at = _text.IndexOf('"' + key + '"', _from, StringComparison.Ordinal);
        return new BenchJson(File, _text, v, Math.Max(at, _from), Qualify(key));
    }

    /// <summary>The keys of this object in file order.</summary>
    public IEnumerable<string> Keys() => Root.EnumerateObject().Select(p => p.Name);

    /// <summary>Every key never asked for, as "FILE:LINE: KEY" warnings (the reader keeps going).</summary>
    public void ReportUnknown(List<string> warnings, string format)
    {
        var unknown = Root.EnumerateObject().Select(p => p.Name).Where(k => !_known.Contains(k)).ToList();
        if (unknown.Count == 0) return;
        const int shown = 12;
        warnings.Add($"{File}:{LineOf(unknown[0])}: {format}: {unknown.Count} field(s) this reader does not know, kept going: "
            + string.Join(", ", unknown.Take(shown).Select(Qualify)) + (unknown.Count > shown ? ", ..." : ""));
    }

    /// <summary>
    /// Splits a file into its top-level JSON objects: one object, or one per line (JSONL, and vllm bench serve
    /// --append-result, which writes newline-separated objects). Returns (offset, length) of each.
    /// </summary>
    public static List<(int Offset, int Length)> Objects(string text)
    {
        var list = new List<(int, int)>();
        int depth = 0, start = -1;
        bool inString = false;
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (inString)
            {
                if (c == '\\') i++;
                else if (c == '"') inString = false;
                continue;
            }
            switch (c)
            {
                case '"': inString = true; break;
                case '{':
                    if (depth++ == 0) start = i;
                    break;
                case '}':
                    if (depth > 0 && --depth == 0) list.Add((start, i - start + 1));
                    break;
            }
        }
        if (depth != 0 && start >= 0) list.Add((start, text.Length - start));
        return list;
    }
}
