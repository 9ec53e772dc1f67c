using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace NotebookBuilder;

/// <summary>An output of a code cell: printed text, or a PNG image (base64).</summary>
public abstract record CellOutput;
public sealed record TextOutput(string Text) : CellOutput;
public sealed record ImageOutput(string Label, string PngBase64) : CellOutput;

/// <summary>A cell of the generated notebook. <see cref="CodeIndex"/> is the program's code-cell number (0-based), -1 for prose.</summary>
public sealed record NotebookCell(CellKind Kind, IReadOnlyList<string> Source, int CodeIndex);

/// <summary>
/// Turns a notebook program into .ipynb cells for the .NET Interactive C# kernel (kernelspec <c>.net-csharp</c>) and
/// writes the notebook JSON. Markdown cells lose their <c>// </c>; code cells are copied as written, except the setup
/// cell, whose <c>#:project</c>/<c>#:package</c> directives become <c>#r</c> lines, preceded by a generated markdown
/// cell that says how to run the notebook.
/// </summary>
public static class Notebook
{
    /// <summary>The repository-relative path of a notebook file, with forward slashes.</summary>
    public static string RelativePath(string root, string path) => Path.GetRelativePath(root, Path.GetFullPath(path)).Replace('\\', '/');

    /// <summary>The cells of the notebook generated from <paramref name="csPath"/>.</summary>
    public static IReadOnlyList<NotebookCell> Cells(string root, string csPath)
    {
        string text = File.ReadAllText(csPath);
        string rel = RelativePath(root, csPath);
        var source = NotebookSource.Parse(text, rel);
        var cells = new List<NotebookCell>();
        int code = 0;
        foreach (var c in source)
        {
            if (c.Kind == CellKind.Markdown)
            {
                cells.Add(new NotebookCell(CellKind.Markdown, NotebookSource.MarkdownText(c), -1));
                continue;
            }
            if (c.IsSetup)
            {
                cells.Add(new NotebookCell(CellKind.Markdown, HowToRun(rel), -1));
                cells.Add(new NotebookCell(CellKind.Code, SetupLines(root, Path.GetDirectoryName(Path.GetFullPath(csPath))!, c, rel), code++));
                continue;
            }
            cells.Add(new NotebookCell(CellKind.Code, c.Lines, code++));
        }
        return cells;
    }

    private static IReadOnlyList<string> HowToRun(string rel) =>
    [
        "> **Running this notebook.** It is generated from the .NET file-based program",
        $"> [`{Path.GetFileName(rel)}`]({Path.GetFileName(rel)}); from the repository root, `dotnet run {rel}` runs the same code.",
        "> To run it in a notebook (Polyglot Notebooks / .NET Interactive, C# kernel), build the libraries once with",
        "> `dotnet build src/Simulator.Cli` from the repository root; the next cell loads the NuGet packages they use and",
        "> their assemblies from `src/*/bin/Debug/net10.0/`. The outputs below were saved when the notebook was generated",
        "> (`dotnet run --project tools/NotebookBuilder`).",
    ];

    private static List<string> SetupLines(string root, string notebookDir, SourceCell cell, string rel)
    {
        var projects = new List<string>();
        var packages = new List<string>();
        var rest = new List<string>();
        int insertAt = -1;
        foreach (var line in cell.Lines)
        {
            if (!line.StartsWith("#:", StringComparison.Ordinal)) { rest.Add(line); continue; }
            if (insertAt < 0) insertAt = rest.Count;
            var parts = line[2..].Split(' ', 2, StringSplitOptions.TrimEntries);
            switch (parts[0])
            {
                case "project" when parts.Length == 2: projects.Add(parts[1]); break;
                case "package" when parts.Length == 2:
                    var pv = parts[1].Split('@', 2);
                    packages.Add(pv.Length == 2 ? $"#r \"nuget: {pv[0]}, {pv[1]}\"" : $"#r \"nuget: {pv[0]}\"");
                    break;
                default: throw new FormatException($"{rel}: directive '{line}' has no notebook equivalent (use #:project or #:package)");
            }
        }
        var refs = References.Resolve(root, notebookDir, projects);
        var directives = refs.Directives().Concat(packages).ToList();
        rest.InsertRange(Math.Max(0, insertAt), directives);
        return rest;
    }

    /// <summary>Writes the notebook as nbformat 4.5 JSON (one-space indent, as Jupyter does); outputs by code-cell number.</summary>
    public static string ToJson(IReadOnlyList<NotebookCell> cells, IReadOnlyDictionary<int, IReadOnlyList<CellOutput>> outputs)
    {
        var buffer = new MemoryStream();
        var options = new JsonWriterOptions { Indented = true, IndentSize = 1, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, NewLine = "\n" };
        using (var w = new Utf8JsonWriter(buffer, options))
        {
            w.WriteStartObject();
            w.WriteStartArray("cells");
            for (int i = 0; i < cells.Count; i++)
            {
                var c = cells[i];
                w.WriteStartObject();
                w.WriteString("cell_type", c.Kind == CellKind.Code ? "code" : "markdown");
                if (c.Kind == CellKind.Code) w.WriteNumber("execution_count", c.CodeIndex + 1);
                w.WriteString("id", $"cell-{i + 1:00}");
                w.WriteStartObject("metadata");
                if (c.Kind == CellKind.Code)
                {
                    w.WriteStartObject("dotnet_interactive");
                    w.WriteString("language", "csharp");
                    w.WriteEndObject();
                    w.WriteStartObject("polyglot_notebook");
                    w.WriteString("kernelName", "csharp");
                    w.WriteEndObject();
                }
                w.WriteEndObject();
                if (c.Kind == CellKind.Code)
                {
                    w.WriteStartArray("outputs");
                    foreach (var o in outputs.TryGetValue(c.CodeIndex, out var list) ? list : [])
                        WriteOutput(w, o);
                    w.WriteEndArray();
                }
                WriteLines(w, "source", c.Source);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteStartObject("metadata");
            w.WriteStartObject("kernelspec");
            w.WriteString("display_name", ".NET (C#)");
            w.WriteString("language", "C#");
            w.WriteString("name", ".net-csharp");
            w.WriteEndObject();
            w.WriteStartObject("language_info");
            w.WriteString("file_extension", ".cs");
            w.WriteString("mimetype", "text/x-csharp");
            w.WriteString("name", "C#");
            w.WriteString("pygments_lexer", "csharp");
            w.WriteString("version", "13.0");
            w.WriteEndObject();
            w.WriteStartObject("polyglot_notebook");
            w.WriteStartObject("kernelInfo");
            w.WriteString("defaultKernelName", "csharp");
            w.WriteStartArray("items");
            w.WriteStartObject();
            w.WriteStartArray("aliases");
            w.WriteEndArray();
            w.WriteString("name", "csharp");
            w.WriteEndObject();
            w.WriteEndArray();
            w.WriteEndObject();
            w.WriteEndObject();
            w.WriteEndObject();
            w.WriteNumber("nbformat", 4);
            w.WriteNumber("nbformat_minor", 5);
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray()) + "\n";
    }

    private static void WriteOutput(Utf8JsonWriter w, CellOutput o)
    {
        w.WriteStartObject();
        switch (o)
        {
            case TextOutput t:
                w.WriteString("name", "stdout");
                w.WriteString("output_type", "stream");
                WriteLines(w, "text", t.Text.Split('\n').ToList(), keepTrailingEmpty: false);
                break;
            case ImageOutput img:
                w.WriteStartObject("data");
                w.WriteString("image/png", img.PngBase64);
                w.WriteStartArray("text/plain");
                w.WriteStringValue(img.Label);
                w.WriteEndArray();
                w.WriteEndObject();
                w.WriteStartObject("metadata");
                w.WriteEndObject();
                w.WriteString("output_type", "display_data");
                break;
        }
        w.WriteEndObject();
    }

    /// <summary>Jupyter's multi-line string: an array of lines, each but the last ending in a newline.</summary>
    private static void WriteLines(Utf8JsonWriter w, string name, IReadOnlyList<string> lines, bool keepTrailingEmpty = true)
    {
        var list = lines.ToList();
        if (!keepTrailingEmpty && list.Count > 0 && list[^1].Length == 0) list.RemoveAt(list.Count - 1);
        w.WriteStartArray(name);
        for (int i = 0; i < list.Count; i++)
            w.WriteStringValue(i < list.Count - 1 || !keepTrailingEmpty ? list[i] + "\n" : list[i]);
        w.WriteEndArray();
    }

    /// <summary>
    /// The cell sources of a notebook file, for checking it against its program: (kind, text) per cell, where text
    /// is the cell's source lines joined.
    /// </summary>
    public static IReadOnlyList<(CellKind Kind, string Text)> ReadSources(string ipynbJson)
    {
        using var doc = JsonDocument.Parse(ipynbJson);
        var list = new List<(CellKind, string)>();
        foreach (var cell in doc.RootElement.GetProperty("cells").EnumerateArray())
        {
            var kind = cell.GetProperty("cell_type").GetString() switch
            {
                "code" => CellKind.Code,
                "markdown" => CellKind.Markdown,
                var k => throw new FormatException($"unexpected cell type '{k}'"),
            };
            var src = cell.GetProperty("source");
            string text = src.ValueKind == JsonValueKind.Array ? string.Concat(src.EnumerateArray().Select(e => e.GetString())) : src.GetString() ?? "";
            list.Add((kind, text));
        }
        return list;
    }

    /// <summary>The text a cell's source lines join to (what <see cref="ReadSources"/> returns for it).</summary>
    public static string Join(IReadOnlyList<string> lines) => string.Join("\n", lines);

    /// <summary>The notebook programs of a repository: <c>notebooks/*.cs</c> whose names start with a digit, in order.</summary>
    public static IEnumerable<string> Programs(string root) =>
        Directory.EnumerateFiles(Path.Combine(root, "notebooks"), "*.cs")
            .Where(f => char.IsDigit(Path.GetFileName(f)[0])).Order(StringComparer.Ordinal);

    /// <summary>Where a notebook's cells differ from the cells its program makes; null when they match.</summary>
    public static string? Difference(IReadOnlyList<NotebookCell> expected, IReadOnlyList<(CellKind Kind, string Text)> actual)
    {
        if (expected.Count != actual.Count) return $"has {actual.Count} cells where its program makes {expected.Count}";
        for (int i = 0; i < expected.Count; i++)
        {
            if (expected[i].Kind != actual[i].Kind) return $"cell {i + 1} is {actual[i].Kind.ToString().ToLowerInvariant()} where its program has {expected[i].Kind.ToString().ToLowerInvariant()}";
            if (Join(expected[i].Source) != actual[i].Text) return $"cell {i + 1} ({expected[i].Kind.ToString().ToLowerInvariant()}) differs from its program";
        }
        return null;
    }
}
