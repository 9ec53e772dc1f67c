using System.Text;

namespace Simulator.Deploy.Export;

/// <summary>
/// One engine launch: the program, an optional positional argument (the model) and the flags with their values, in
/// order. Kept structured so it can be checked against the engine's flag list, written as a shell command and as a
/// Kubernetes container's command and args.
/// </summary>
/// <param name="FlagList">Engine word of the flag list the flags are checked against (<c>vllm</c>, <c>sglang</c>, ...).</param>
/// <param name="Program">The program and its fixed words (<c>vllm serve</c>, <c>python3 -m sglang.launch_server</c>).</param>
/// <param name="Positional">The positional argument after the program (the model for vllm serve and trtllm-serve), or null.</param>
/// <param name="Args">Flags in order; a null value is a switch without a value.</param>
public sealed record EngineCommand(string FlagList, IReadOnlyList<string> Program, string? Positional, IReadOnlyList<(string Flag, string? Value)> Args)
{
    /// <summary>The flags only.</summary>
    public IEnumerable<string> Flags => Args.Select(a => a.Flag);

    /// <summary>The value of a flag, or null when absent (or a switch).</summary>
    public string? Value(string flag) => Args.FirstOrDefault(a => a.Flag == flag).Value;

    /// <summary>Whether a flag is present.</summary>
    public bool Has(string flag) => Args.Any(a => a.Flag == flag);

    /// <summary>Arguments after the program, as a container's <c>args</c> take them.</summary>
    public IReadOnlyList<string> ArgumentList
    {
        get
        {
            var list = new List<string>();
            if (Positional is not null) list.Add(Positional);
            foreach (var (flag, value) in Args)
            {
                list.Add(flag);
                if (value is not null) list.Add(value);
            }
            return list;
        }
    }

    /// <summary>The whole command as one argument vector.</summary>
    public IReadOnlyList<string> Argv => [.. Program, .. ArgumentList];

    /// <summary>
    /// A shell command, one flag per line ending in a backslash. Values are quoted for the shell; values holding
    /// <c>${...}</c> are double-quoted so the shell expands them.
    /// </summary>
    public string Shell(string indent = "")
    {
        var sb = new StringBuilder(indent).Append(string.Join(' ', Program.Select(ShellWords.Quote)));
        if (Positional is not null) sb.Append(' ').Append(ShellWords.Quote(Positional));
        foreach (var (flag, value) in Args)
        {
            sb.Append(" \\\n").Append(indent).Append("  ").Append(flag);
            if (value is not null) sb.Append(' ').Append(ShellWords.Quote(value));
        }
        return sb.ToString();
    }
}

/// <summary>Quoting and splitting of shell words, as POSIX sh reads the commands the exporter writes.</summary>
public static class ShellWords
{
    /// <summary>Quotes a word for sh: bare when safe, in double quotes when it expands a variable, else in single quotes.</summary>
    public static string Quote(string word)
    {
        if (word.Length > 0 && word.All(c => char.IsAsciiLetterOrDigit(c) || "_./:=@%+,-".Contains(c))) return word;
        if (word.Contains("${") && !word.Contains('"') && !word.Contains('`') && !word.Contains('\\')) return "\"" + word + "\"";
        return "'" + word.Replace("'", "'\"'\"'") + "'";
    }

    /// <summary>
    /// Splits a command line as sh does for the subset the exporter writes: spaces separate words, backslash-newline
    /// joins lines, single quotes keep everything, double quotes keep everything but <c>\"</c> and <c>\\</c>,
    /// and a backslash escapes the next character outside quotes. Variables are not expanded.
    /// </summary>
    public static List<string> Split(string text)
    {
        var words = new List<string>();
        var cur = new StringBuilder();
        bool any = false;
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (c == '\\' && i + 1 < text.Length)
            {
                if (text[i + 1] == '\n') { i++; continue; }
                cur.Append(text[++i]);
                any = true;
                continue;
            }
            if (c == '\'')
            {
                int end = text.IndexOf('\'', i + 1);
                if (end < 0) throw new FormatException("unclosed single quote");
                cur.Append(text, i + 1, end - i - 1);
                i = end;
                any = true;
                continue;
            }
            if (c == '"')
            {
                i++;
                for (; i < text.Length && text[i] != '"'; i++)
                {
                    if (text[i] == '\\' && i + 1 < text.Length && text[i + 1] is '"' or '\\' or '$') i++;
                    cur.Append(text[i]);
                }
                if (i >= text.Length) throw new FormatException("unclosed double quote");
                any = true;
                continue;
            }
            if (char.IsWhiteSpace(c))
            {
                if (any) { words.Add(cur.ToString()); cur.Clear(); any = false; }
                continue;
            }
            cur.Append(c);
            any = true;
        }
        if (any) words.Add(cur.ToString());
        return words;
    }
}
