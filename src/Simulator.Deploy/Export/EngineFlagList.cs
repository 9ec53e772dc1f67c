using System.Text.RegularExpressions;
using Simulator.Core.Loading;

namespace Simulator.Deploy.Export;

/// <summary>
/// The documented flags of one engine version (or, for TensorRT-LLM's LLM API, its YAML keys as dotted paths), read
/// from a sourced list in <c>engine-profiles/flags/</c>. Exported commands are checked against it: a flag the list
/// lacks is a bug in the exporter, never something a user should meet.
/// </summary>
/// <param name="Engine">The list's engine word (<c>vllm</c>, <c>sglang</c>, <c>trtllm-serve</c>, <c>trtllm-llmapi</c>, <c>dynamo</c>).</param>
/// <param name="Version">The version the flags were read at.</param>
/// <param name="Source">The header lines that say where the list comes from.</param>
/// <param name="File">The file it was read from (for messages and exported comments).</param>
public sealed partial record EngineFlagList(string Engine, string Version, IReadOnlyList<string> Source, string File)
{
    private readonly HashSet<string> _flags = new(StringComparer.Ordinal);

    /// <summary>Every flag and alias (or every key path), in file order without duplicates.</summary>
    public IReadOnlyList<string> Flags { get; private init; } = [];

    /// <summary>The list this one borrows engine flags from (Dynamo's worker passes vLLM's), by file name; null when none.</summary>
    public string? EngineFlagsFrom { get; init; }

    /// <summary>The first flag of the borrowed list that is borrowed (those before it, the other program's own, are not); null: all.</summary>
    public string? EngineFlagsFromStart { get; init; }

    /// <summary>"vllm 0.11.0": what exported files say they were checked against.</summary>
    public string Label => $"{Engine} {Version}";

    /// <summary>Whether <paramref name="flag"/> (<c>--max-num-seqs</c>, or a key path such as <c>kv_cache_config.dtype</c>) is in the list.</summary>
    public bool Contains(string flag) => _flags.Contains(flag);

    [GeneratedRegex(@"\(alias(?:es)?:\s*(?<a>[^)]*)\)")]
    private static partial Regex AliasPattern();

    /// <summary>Parses a list's text; problems name the file and line.</summary>
    public static EngineFlagList Parse(string file, string text)
    {
        var errors = new List<SpecError>();
        string? engine = null, version = null, from = null, fromStart = null;
        var source = new List<string>();
        var flags = new List<string>();
        // Key paths of the LLM API list: indentation gives the nesting (two spaces a level), ".key" a nested key.
        var parents = new List<string>();
        int lineNo = 0;
        foreach (var raw in text.Replace("\r\n", "\n").Replace('\r', '\n').Split('\n'))
        {
            lineNo++;
            string line = raw.TrimEnd();
            if (line.Trim().Length == 0) continue;
            if (line.StartsWith('#'))
            {
                string body = line.TrimStart('#').Trim();
                int colon = body.IndexOf(':');
                string key = colon > 0 ? body[..colon].Trim().ToLowerInvariant() : "";
                string value = colon > 0 ? body[(colon + 1)..].Trim() : "";
                switch (key)
                {
                    case "engine": engine = value; break;
                    case "version": version = value; break;
                    case "engine-flags-from":
                        var words = value.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                        from = words[0];
                        // "vllm@0.11.0.txt from --model": only the flags from --model on are borrowed.
                        if (words.Length > 2 && words[1] == "from") fromStart = words[2];
                        break;
                    case "program": break;
                    default: source.Add(body); break;
                }
                continue;
            }
            int indent = line.Length - line.TrimStart().Length;
            string content = line.Trim();
            if (content.StartsWith("--") || content.StartsWith('-') && !content.StartsWith("- "))
            {
                flags.Add(content.Split(' ', StringSplitOptions.RemoveEmptyEntries)[0]);
                var alias = AliasPattern().Match(content);
                if (alias.Success)
                    foreach (var a in alias.Groups["a"].Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                        flags.Add(a);
                continue;
            }
            if (content.EndsWith("(positional)")) continue;
            // LLM API keys: "key [default]" at the top level, ".key" nested (several per line after a "(Group)" tag).
            int level = indent / 2;
            if (level == 0)
            {
                string key = content.Split(' ', StringSplitOptions.RemoveEmptyEntries)[0];
                if (!Regex.IsMatch(key, "^[a-z_][a-z0-9_]*$"))
                {
                    errors.Add(new SpecError(file, lineNo, "", $"'{key}' is neither a flag (--name) nor an LLM API key"));
                    continue;
                }
                flags.Add(key);
                parents.Clear();
                parents.Add(key);
                continue;
            }
            var nested = Regex.Matches(content, @"(?<=^|\s)\.(?<k>[a-z_][a-z0-9_]*)").Select(m => m.Groups["k"].Value).ToList();
            if (nested.Count == 0 || parents.Count == 0)
            {
                errors.Add(new SpecError(file, lineNo, "", "a nested key line must follow a top-level key and hold '.key'"));
                continue;
            }
            // A line holding one key at this level becomes the parent of deeper lines; several keys on one line are leaves.
            while (parents.Count > level) parents.RemoveAt(parents.Count - 1);
            string prefix = string.Join('.', parents);
            foreach (var k in nested) flags.Add(prefix + "." + k);
            if (nested.Count == 1) parents.Add(nested[0]);
        }
        if (engine is null) errors.Add(new SpecError(file, 1, "engine", "the header needs a '# engine: NAME' line"));
        if (version is null) errors.Add(new SpecError(file, 1, "version", "the header needs a '# version: VERSION' line"));
        if (flags.Count == 0) errors.Add(new SpecError(file, 0, "", "lists no flags"));
        if (errors.Count > 0) throw new SpecException(errors);
        var distinct = flags.Distinct(StringComparer.Ordinal).ToList();
        var list = new EngineFlagList(engine!, version!, source, file) { Flags = distinct, EngineFlagsFrom = from, EngineFlagsFromStart = fromStart };
        foreach (var f in distinct) list._flags.Add(f);
        return list;
    }
}

/// <summary>The flag lists an export checks against, one per engine word.</summary>
public sealed class EngineFlagLibrary
{
    private readonly Dictionary<string, EngineFlagList> _lists = new(StringComparer.Ordinal);

    /// <summary>Builds a library from parsed lists (later lists of the same engine replace earlier ones).</summary>
    public EngineFlagLibrary(IEnumerable<EngineFlagList> lists)
    {
        foreach (var l in lists) _lists[l.Engine] = l;
    }

    /// <summary>The list of an engine word; a missing list is an installation problem, reported with the folder to check.</summary>
    public EngineFlagList this[string engine] =>
        _lists.TryGetValue(engine, out var l) ? l : throw new SpecException("engine-profiles/flags", $"no flag list for '{engine}' (expected a file {engine}@VERSION.txt)");

    /// <summary>Whether a list for the engine word is present.</summary>
    public bool Has(string engine) => _lists.ContainsKey(engine);

    /// <summary>Every list.</summary>
    public IEnumerable<EngineFlagList> All => _lists.Values.OrderBy(l => l.Engine, StringComparer.Ordinal);

    /// <summary>Reads every <c>*.txt</c> list in a folder (sorted by name, so the result does not depend on the file system's order).</summary>
    public static EngineFlagLibrary Load(string folder)
    {
        if (!Directory.Exists(folder)) throw new SpecException(folder, "engine flag lists not found (a folder of ENGINE@VERSION.txt files)");
        var lists = new List<EngineFlagList>();
        var errors = new List<SpecError>();
        foreach (var path in Directory.GetFiles(folder, "*.txt").OrderBy(p => p, StringComparer.Ordinal))
        {
            try { lists.Add(EngineFlagList.Parse(path, File.ReadAllText(path))); }
            catch (SpecException e) { errors.AddRange(e.Errors); }
        }
        if (errors.Count > 0) throw new SpecException(errors);
        return new EngineFlagLibrary(lists);
    }

    /// <summary>Whether a flag is valid for an engine, including the flags it borrows from another list.</summary>
    public bool Accepts(string engine, string flag)
    {
        var list = this[engine];
        if (list.Contains(flag)) return true;
        if (list.EngineFlagsFrom is not { } from || All.FirstOrDefault(l => Path.GetFileName(l.File) == from) is not { } other || !other.Contains(flag)) return false;
        if (list.EngineFlagsFromStart is not { } start) return true;
        int first = IndexOf(other.Flags, start);
        return first >= 0 && IndexOf(other.Flags, flag) >= first;
    }

    private static int IndexOf(IReadOnlyList<string> list, string item)
    {
        for (int i = 0; i < list.Count; i++)
            if (list[i] == item) return i;
        return -1;
    }
}
