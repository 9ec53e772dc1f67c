namespace NotebookBuilder;

/// <summary>Whether a cell is prose or code.</summary>
public enum CellKind { Markdown, Code }

/// <summary>One cell of a notebook program: its kind, its lines as written in the .cs file, and the line it starts on (1-based).</summary>
public sealed record SourceCell(CellKind Kind, IReadOnlyList<string> Lines, int FirstLine)
{
    /// <summary>Whether this code cell holds the file-based program's directives (<c>#:project</c> and the like).</summary>
    public bool IsSetup => Kind == CellKind.Code && Lines.Any(l => l.StartsWith("#:", StringComparison.Ordinal));
}

/// <summary>
/// Reads a notebook written as a .NET file-based program: cells are separated by lines <c>// %%</c> (code) and
/// <c>// %% [markdown]</c> (prose, every line a <c>//</c> comment). Text before the first marker is not part of
/// any cell and must be blank.
/// </summary>
public static class NotebookSource
{
    public const string CodeMarker = "// %%";
    public const string MarkdownMarker = "// %% [markdown]";

    /// <summary>Splits a program into cells; throws <see cref="FormatException"/> naming the line when the layout is wrong.</summary>
    public static IReadOnlyList<SourceCell> Parse(string text, string fileName = "notebook")
    {
        var lines = text.Replace("\r\n", "\n").Split('\n');
        var cells = new List<SourceCell>();
        CellKind? kind = null;
        int first = 0;
        var current = new List<string>();
        void Flush()
        {
            if (kind is { } k) cells.Add(new SourceCell(k, Trim(current), first));
            current = [];
        }
        for (int i = 0; i < lines.Length; i++)
        {
            string line = lines[i].TrimEnd();
            if (line == MarkdownMarker || line == CodeMarker)
            {
                Flush();
                kind = line == MarkdownMarker ? CellKind.Markdown : CellKind.Code;
                first = i + 2;
                continue;
            }
            if (kind is null)
            {
                if (line.Length > 0) throw new FormatException($"{fileName}:{i + 1}: text before the first '// %%' cell marker");
                continue;
            }
            if (kind == CellKind.Markdown && line.Length > 0 && !line.StartsWith("//", StringComparison.Ordinal))
                throw new FormatException($"{fileName}:{i + 1}: a markdown cell holds only '//' comment lines");
            current.Add(line);
        }
        Flush();
        if (!cells.Any(c => c.Kind == CellKind.Code)) throw new FormatException($"{fileName}: no code cell");
        var setup = cells.Where(c => c.IsSetup).ToList();
        if (setup.Count > 1) throw new FormatException($"{fileName}:{setup[1].FirstLine}: '#:' directives belong in one cell, the first code cell");
        if (setup.Count == 1 && setup[0] != cells.First(c => c.Kind == CellKind.Code))
            throw new FormatException($"{fileName}:{setup[0].FirstLine}: the cell with '#:' directives must be the first code cell");
        return cells;
    }

    /// <summary>The text of a markdown cell: each line without its leading <c>// </c>.</summary>
    public static IReadOnlyList<string> MarkdownText(SourceCell cell) =>
        cell.Lines.Select(l => l.StartsWith("// ", StringComparison.Ordinal) ? l[3..] : l.StartsWith("//", StringComparison.Ordinal) ? l[2..] : l).ToList();

    private static List<string> Trim(List<string> lines)
    {
        int start = 0, end = lines.Count;
        while (start < end && IsBlank(lines[start])) start++;
        while (end > start && IsBlank(lines[end - 1])) end--;
        return lines.GetRange(start, end - start);
    }

    private static bool IsBlank(string line) => line.Trim().Length == 0 || line.Trim() == "//";
}
