using System.Globalization;
using System.Text;

namespace Simulator.Deploy.Yaml;

/// <summary>A node of a YAML document being written: an ordered mapping, a list or a scalar.</summary>
public abstract record YNode;

/// <summary>A mapping whose keys keep the order they were added in (Kubernetes readers expect apiVersion and kind first).</summary>
public sealed record YMap : YNode
{
    private readonly List<(string Key, YNode Value)> _entries = [];

    /// <summary>The entries in order.</summary>
    public IReadOnlyList<(string Key, YNode Value)> Entries => _entries;

    /// <summary>Adds an entry (null values are left out, so optional fields can be written inline).</summary>
    public YMap Add(string key, YNode? value)
    {
        if (value is not null) _entries.Add((key, value));
        return this;
    }

    /// <summary>Adds a string entry (null: left out).</summary>
    public YMap Add(string key, string? value) => value is null ? this : Add(key, new YScalar(value, Quoted: true));

    /// <summary>Adds a whole-number entry.</summary>
    public YMap Add(string key, long value) => Add(key, new YScalar(value.ToString(CultureInfo.InvariantCulture), Quoted: false));

    /// <summary>Adds a number entry (invariant culture, round-trip form).</summary>
    public YMap Add(string key, double value) => Add(key, new YScalar(value.ToString("R", CultureInfo.InvariantCulture), Quoted: false));

    /// <summary>Adds a true/false entry.</summary>
    public YMap Add(string key, bool value) => Add(key, new YScalar(value ? "true" : "false", Quoted: false));
}

/// <summary>A list.</summary>
public sealed record YList(IReadOnlyList<YNode> Items) : YNode
{
    /// <summary>A list of strings.</summary>
    public static YList Of(IEnumerable<string> items) => new(items.Select(s => (YNode)new YScalar(s, Quoted: true)).ToList());
}

/// <summary>A scalar; <paramref name="Quoted"/> strings are quoted when YAML would otherwise read them as something else.</summary>
/// <param name="Text">The value as text.</param>
/// <param name="Quoted">True for strings (quoted when needed); false for numbers and booleans written as they are.</param>
public sealed record YScalar(string Text, bool Quoted) : YNode;

/// <summary>
/// Writes YAML in block style, deterministically (the same tree gives the same bytes): two-space indentation,
/// strings in double quotes only when YAML would read them as another type or they hold special characters,
/// multi-line strings as literal blocks. The generated files are read back by YamlDotNet in the tests.
/// </summary>
public static class YamlText
{
    /// <summary>One document, with optional comment lines first.</summary>
    public static string Document(YNode root, IEnumerable<string>? comments = null)
    {
        var sb = new StringBuilder();
        foreach (var c in comments ?? []) sb.Append("# ").Append(c).Append('\n');
        Write(sb, root, 0, inList: false);
        return sb.ToString();
    }

    /// <summary>Several documents separated by <c>---</c>, each with its own comment lines.</summary>
    public static string Documents(IEnumerable<(YNode Root, IReadOnlyList<string> Comments)> docs)
    {
        var sb = new StringBuilder();
        bool first = true;
        foreach (var (root, comments) in docs)
        {
            if (!first) sb.Append("---\n");
            first = false;
            sb.Append(Document(root, comments));
        }
        return sb.ToString();
    }

    private static void Write(StringBuilder sb, YNode node, int indent, bool inList)
    {
        string pad = new(' ', indent);
        switch (node)
        {
            case YMap m:
                if (m.Entries.Count == 0) { sb.Append(pad).Append("{}\n"); return; }
                bool firstEntry = true;
                foreach (var (key, value) in m.Entries)
                {
                    // The first key of a mapping inside a list item sits on the dash's line.
                    sb.Append(inList && firstEntry ? "" : pad).Append(Scalar(key)).Append(':');
                    firstEntry = false;
                    WriteValue(sb, value, indent);
                }
                return;
            case YList l:
                if (l.Items.Count == 0) { sb.Append(pad).Append("[]\n"); return; }
                foreach (var item in l.Items)
                {
                    sb.Append(pad).Append("- ");
                    switch (item)
                    {
                        case YScalar s: sb.Append(Scalar(s)).Append('\n'); break;
                        case YMap im when im.Entries.Count > 0: Write(sb, im, indent + 2, inList: true); break;
                        default: sb.Append('\n'); Write(sb, item, indent + 2, inList: false); break;
                    }
                }
                return;
            case YScalar sc:
                sb.Append(pad).Append(Scalar(sc)).Append('\n');
                return;
        }
    }

    private static void WriteValue(StringBuilder sb, YNode value, int indent)
    {
        switch (value)
        {
            case YScalar s when s.Quoted && s.Text.Contains('\n'):
                // A literal block keeps scripts and embedded files readable; "|-" drops the final newline when there is none.
                sb.Append(s.Text.EndsWith('\n') ? " |\n" : " |-\n");
                foreach (var line in s.Text.TrimEnd('\n').Split('\n'))
                    sb.Append(line.Length == 0 ? "" : new string(' ', indent + 2) + line).Append('\n');
                return;
            case YScalar s:
                sb.Append(' ').Append(Scalar(s)).Append('\n');
                return;
            case YMap m when m.Entries.Count == 0: sb.Append(" {}\n"); return;
            case YList l when l.Items.Count == 0: sb.Append(" []\n"); return;
            case YMap m:
                sb.Append('\n');
                Write(sb, m, indent + 2, inList: false);
                return;
            case YList l:
                sb.Append('\n');
                Write(sb, l, indent, inList: false);
                return;
        }
    }

    private static string Scalar(YScalar s) => s.Quoted ? Scalar(s.Text) : s.Text;

    /// <summary>A string as a YAML scalar: plain when YAML reads it back as the same string, else double-quoted.</summary>
    public static string Scalar(string text) => NeedsQuotes(text) ? Quote(text) : text;

    private static bool NeedsQuotes(string t)
    {
        if (t.Length == 0 || t != t.Trim()) return true;
        if (t.IndexOfAny(['\n', '\r', '\t', '"', '\'', '#', '\\']) >= 0) return true;
        if (t.Contains(": ") || t.EndsWith(':') || t.Contains(" #")) return true;
        if (",[]{}&*!|>%@`".Contains(t[0])) return true;
        // "-", "?" and ":" start a block only when a space (or nothing) follows: "--port" is a plain string.
        if (t[0] is '-' or '?' or ':' && (t.Length == 1 || t[1] == ' ')) return true;
        string lower = t.ToLowerInvariant();
        if (lower is "true" or "false" or "yes" or "no" or "on" or "off" or "y" or "n" or "null" or "~") return true;
        // Anything YAML 1.1 or 1.2 could read as a number (1, 1.5, 1e3, 0x1f, .inf, 1_000).
        if (double.TryParse(t.Replace("_", ""), NumberStyles.Float, CultureInfo.InvariantCulture, out _)) return true;
        if (lower.StartsWith("0x") || lower.StartsWith("0o") || lower is ".inf" or "-.inf" or ".nan") return true;
        return false;
    }

    private static string Quote(string t)
    {
        var sb = new StringBuilder("\"");
        foreach (char c in t)
            sb.Append(c switch
            {
                '"' => "\\\"",
                '\\' => "\\\\",
                '\n' => "\\n",
                '\r' => "\\r",
                '\t' => "\\t",
                _ => c.ToString(),
            });
        return sb.Append('"').ToString();
    }
}
