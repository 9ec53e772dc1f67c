using System.Globalization;
using Simulator.Core.Units;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Simulator.Core.Loading;

/// <summary>Reads fields of a YAML mapping node, with line numbers from the parser.</summary>
public sealed class YamlFieldReader : IFieldReader
{
    private readonly YamlMappingNode _node;
    private readonly string _path;
    private readonly List<SpecError> _errors;
    private readonly Dictionary<string, (YamlNode Key, YamlNode Value)> _entries = new(StringComparer.Ordinal);
    private readonly HashSet<string> _known = new(StringComparer.Ordinal);

    public YamlFieldReader(string file, YamlMappingNode node, string path, List<SpecError> errors)
    {
        File = file;
        _node = node;
        _path = path;
        _errors = errors;
        foreach (var (k, v) in node.Children)
        {
            string key = (k as YamlScalarNode)?.Value ?? "";
            if (!_entries.TryAdd(key, (k, v)))
                _errors.Add(new SpecError(file, LineOf(k), Qualify(key), "appears twice; each field may be given once"));
        }
    }

    public string File { get; }

    public int Line => LineOf(_node);

    /// <summary>Parses a whole file's text into its top-level mapping, or records why it cannot.</summary>
    public static YamlFieldReader? Open(string file, string text, List<SpecError> errors)
    {
        if (TooDeep(text) is int deepLine)
        {
            // YamlDotNet builds nodes recursively: thousands of nested '[' or '{' would overflow the stack and kill the process.
            errors.Add(new SpecError(file, deepLine, "", $"malformed YAML: nested more than {MaxDepth} levels deep; spec files need a handful"));
            return null;
        }
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(text));
        }
        catch (YamlException e)
        {
            string message = (e.InnerException?.Message ?? e.Message).Trim();
            int idx = message.IndexOf("): ", StringComparison.Ordinal);
            if (message.StartsWith('(') && idx > 0) message = message[(idx + 3)..];
            int line = (int)e.Start.Line;
            if (message.Contains("tab", StringComparison.OrdinalIgnoreCase) && FirstTabLine(text, line) is int tabLine)
            {
                line = tabLine;
                message = "a tab character in the indentation or between tokens; YAML indents with spaces only";
            }
            errors.Add(new SpecError(file, Math.Max(1, line), "", "malformed YAML: " + message));
            return null;
        }
        catch (InvalidOperationException)
        {
            // YamlDotNet's scanner can fail this way on an unclosed flow mapping or sequence; find the line by replaying events.
            errors.Add(new SpecError(file, LastGoodLine(text), "", "malformed YAML: unclosed '{', '[' or quote, or a value the parser cannot read"));
            return null;
        }
        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlMappingNode root)
        {
            int line = stream.Documents.Count == 0 ? 1 : LineOf(stream.Documents[0].RootNode);
            errors.Add(new SpecError(file, line, "", "expected a YAML mapping of fields (key: value lines)"));
            return null;
        }
        if (stream.Documents.Count > 1)
            errors.Add(new SpecError(file, LineOf(stream.Documents[1].RootNode), "", "expected one YAML document, found several ('---')"));
        return new YamlFieldReader(file, root, "", errors);
    }

    /// <summary>Deepest nesting of mappings and lists a spec file may have.</summary>
    public const int MaxDepth = 64;

    /// <summary>
    /// The line where flow brackets nest deeper than <see cref="MaxDepth"/> (outside quotes and comments), or null.
    /// Block nesting that deep needs far more indentation than any file holds, so brackets are what can overflow.
    /// </summary>
    private static int? TooDeep(string text)
    {
        int depth = 0, line = 1;
        char quote = '\0';
        bool comment = false;
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (c == '\n') { line++; comment = false; if (quote == '\0') continue; }
            if (comment) continue;
            if (quote != '\0') { if (c == quote) quote = '\0'; continue; }
            switch (c)
            {
                case '#' when i == 0 || char.IsWhiteSpace(text[i - 1]): comment = true; break;
                case '"' or '\'' when i == 0 || text[i - 1] is ' ' or '[' or '{' or ',' or ':' or '\n' or '-': quote = c; break;
                case '[' or '{':
                    if (++depth > MaxDepth) return line;
                    break;
                case ']' or '}': depth = Math.Max(0, depth - 1); break;
            }
        }
        return null;
    }

    /// <summary>The first line at or after <paramref name="from"/> (1-based) holding a tab, or null.</summary>
    private static int? FirstTabLine(string text, int from)
    {
        var lines = text.Split('\n');
        for (int i = Math.Max(0, from - 1); i < lines.Length; i++)
            if (lines[i].Contains('\t')) return i + 1;
        for (int i = 0; i < Math.Min(lines.Length, from); i++)
            if (lines[i].Contains('\t')) return i + 1;
        return null;
    }

    private static int LastGoodLine(string text)
    {
        var parser = new Parser(new StringReader(text));
        int line = 1;
        try
        {
            while (parser.MoveNext())
                if (parser.Current is { } ev) line = (int)ev.End.Line;
        }
        catch (Exception e) when (e is YamlException or InvalidOperationException) { }
        return line;
    }

    private static int LineOf(YamlNode n) => (int)n.Start.Line;

    private string Qualify(string key) => _path.Length == 0 ? key : _path + "." + key;

    private YamlNode? Get(string key, bool required)
    {
        _known.Add(key);
        if (_entries.TryGetValue(key, out var e) && !(e.Value is YamlScalarNode { Style: ScalarStyle.Plain, Value: null or "" or "~" or "null" }))
            return e.Value;
        if (required)
            _errors.Add(new SpecError(File, Line, Qualify(key), "required field is missing"));
        return null;
    }

    private string? Scalar(string key, bool required, string expected)
    {
        var node = Get(key, required);
        if (node is null) return null;
        if (node is YamlScalarNode s) return s.Value;
        Error(key, $"expected {expected}, got a {(node is YamlMappingNode ? "mapping" : "list")}");
        return null;
    }

    public bool Has(string key) => Get(key, false) is not null;

    /// <summary>A scalar field's text exactly as written (trimmed), without marking it known; null when absent or not a scalar.</summary>
    public string? RawText(string key) => _entries.TryGetValue(key, out var e) && e.Value is YamlScalarNode s ? s.Value?.Trim() : null;

    /// <summary>Line of a field's key (the mapping's own line when absent).</summary>
    public int LineOfKey(string key) => _entries.TryGetValue(key, out var e) ? LineOf(e.Key) : Line;

    /// <summary>Whether the field is present and is a mapping (does not mark it as known).</summary>
    public bool IsMap(string key) => _entries.TryGetValue(key, out var e) && e.Value is YamlMappingNode;

    public bool Mentions(string key)
    {
        _known.Add(key);
        return _entries.ContainsKey(key);
    }

    public IReadOnlyList<long> IntList(string key)
    {
        var list = new List<long>();
        int i = 0;
        foreach (var (value, line) in Scalars(key))
        {
            if (long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long n)) list.Add(n);
            else _errors.Add(new SpecError(File, line, $"{Qualify(key)}[{i}]", $"expected a whole number, got '{value}'"));
            i++;
        }
        return list;
    }

    public IReadOnlyList<string> StrList(string key) => Scalars(key).Select(s => s.Value).ToList();

    public string? Str(string key, bool required = false)
    {
        var s = Scalar(key, required, "text");
        if (s is not null && string.IsNullOrWhiteSpace(s))
        {
            Error(key, "must not be empty");
            return null;
        }
        return s;
    }

    public long? Int(string key, bool required = false, long min = 1, long max = 1_000_000_000)
    {
        var s = Scalar(key, required, "a whole number");
        if (s is null) return null;
        if (!long.TryParse(s, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long v))
        {
            Error(key, double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out _)
                ? $"expected a whole number, got '{s}'"
                : $"expected a whole number, got '{s}'");
            return null;
        }
        if (v < min || v > max)
        {
            Error(key, v < min ? $"must be at least {min}, got {v}" : $"{v} is implausibly large (at most {max})");
            return null;
        }
        return v;
    }

    public bool? Bool(string key)
    {
        var s = Scalar(key, false, "true or false");
        if (s is null) return null;
        switch (s.Trim().ToLowerInvariant())
        {
            case "true" or "yes" or "on": return true;
            case "false" or "no" or "off": return false;
            default: Error(key, $"expected true or false, got '{s}'"); return null;
        }
    }

    public double? Number(string key, bool required = false, double min = 0, double max = 1e12)
    {
        var s = Scalar(key, required, "a number");
        if (s is null) return null;
        if (!double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) || double.IsNaN(v) || double.IsInfinity(v))
        {
            Error(key, $"expected a number, got '{s}'");
            return null;
        }
        if (v < min || v > max)
        {
            Error(key, $"{s} is outside the valid range {min.ToString(CultureInfo.InvariantCulture)}..{max.ToString(CultureInfo.InvariantCulture)}");
            return null;
        }
        return v;
    }

    public double? Quantity(string key, QuantityKind kind, bool required = false, double max = double.MaxValue, bool allowZero = false)
    {
        var s = Scalar(key, required, $"a {UnitParser.Describe(kind)} such as '{UnitParser.Example(kind)}'");
        return s is null ? null : QuantityChecks.Check(this, key, s, kind, max, allowZero);
    }

    /// <summary>A nested mapping (null when absent; an error when required or not a mapping).</summary>
    public YamlFieldReader? Map(string key, bool required = false)
    {
        var node = Get(key, required);
        if (node is null) return null;
        if (node is YamlMappingNode m) return new YamlFieldReader(File, m, Qualify(key), _errors);
        Error(key, "expected a mapping of fields (indented key: value lines)");
        return null;
    }

    /// <summary>A list of mappings (empty when absent; an error when required and absent or empty).</summary>
    public IReadOnlyList<YamlFieldReader> MapList(string key, bool required = false)
    {
        var node = Get(key, required);
        if (node is null) return [];
        if (node is not YamlSequenceNode seq)
        {
            Error(key, "expected a list ('- ' items)");
            return [];
        }
        var result = new List<YamlFieldReader>();
        int i = 0;
        foreach (var item in seq.Children)
        {
            if (item is YamlMappingNode m) result.Add(new YamlFieldReader(File, m, $"{Qualify(key)}[{i}]", _errors));
            else _errors.Add(new SpecError(File, LineOf(item), $"{Qualify(key)}[{i}]", "expected a mapping of fields"));
            i++;
        }
        if (required && result.Count == 0) Error(key, "must list at least one item");
        return result;
    }

    /// <summary>A list of scalars (<c>[1, 2, 3]</c> or '- ' items) with their lines; empty when absent.</summary>
    public IReadOnlyList<(string Value, int Line)> Scalars(string key, bool required = false)
    {
        var node = Get(key, required);
        if (node is null) return [];
        if (node is not YamlSequenceNode seq)
        {
            Error(key, "expected a list of values ([a, b, c] or '- ' items)");
            return [];
        }
        var result = new List<(string, int)>();
        int i = 0;
        foreach (var item in seq.Children)
        {
            if (item is YamlScalarNode s) result.Add((s.Value ?? "", LineOf(item)));
            else _errors.Add(new SpecError(File, LineOf(item), $"{Qualify(key)}[{i}]", "expected a single value"));
            i++;
        }
        if (required && result.Count == 0) Error(key, "must list at least one value");
        return result;
    }

    /// <summary>Every key of this mapping with its scalar text and line (for maps with free keys, such as peaks); marks all as known.</summary>
    public IReadOnlyList<(string Key, string? Value, int Line)> Entries()
    {
        var list = new List<(string, string?, int)>();
        foreach (var (key, (k, v)) in _entries)
        {
            _known.Add(key);
            if (v is YamlScalarNode s) list.Add((key, s.Value, LineOf(k)));
            else _errors.Add(new SpecError(File, LineOf(k), Qualify(key), "expected a single value"));
        }
        return list;
    }

    /// <summary>The keys of this mapping with their lines, in file order (does not mark them as known).</summary>
    public IReadOnlyList<(string Key, int Line)> Keys() => _entries.Select(e => (e.Key, LineOf(e.Value.Key))).ToList();

    /// <summary>Records a problem at a key of this mapping that may not be a known field.</summary>
    public void ErrorAt(string key, int line, string message) => _errors.Add(new SpecError(File, line, Qualify(key), message));

    public void Error(string key, string message)
    {
        int line = _entries.TryGetValue(key, out var e) ? LineOf(e.Key) : Line;
        _errors.Add(new SpecError(File, line, Qualify(key), message));
    }

    public void Ignore(params string[] keys)
    {
        foreach (var k in keys) _known.Add(k);
    }

    /// <summary>Unknown fields reported one by one; past this they are counted in one message.</summary>
    public const int MaxUnknownReported = 50;

    public void Finish()
    {
        int unknown = 0;
        foreach (var (key, (k, _)) in _entries)
        {
            if (_known.Contains(key)) continue;
            if (++unknown <= MaxUnknownReported)
                _errors.Add(new SpecError(File, LineOf(k), Qualify(key), "unknown field." + NameMatcher.Suggest(key, _known)));
        }
        if (unknown > MaxUnknownReported)
            _errors.Add(new SpecError(File, Line, _path, $"... and {unknown - MaxUnknownReported:N0} more unknown fields ({unknown:N0} in all)"));
    }
}
