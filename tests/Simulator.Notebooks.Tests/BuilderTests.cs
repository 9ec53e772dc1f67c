using NotebookBuilder;
using Simulator.Tests;

namespace Simulator.Notebooks.Tests;

/// <summary>The converter's parts: cell parsing, setup-cell translation, instrumentation and output splitting.</summary>
public class BuilderTests
{
    private const string Program = """
        // %% [markdown]
        // # Title
        //
        // Text with `code`.

        // %%
        #:project ../src/Simulator.Plotting/Simulator.Plotting.csproj
        using Simulator.Plotting;

        // %% [markdown]
        // ## Step

        // %%
        Console.WriteLine("one");

        // %%
        Console.WriteLine("two");
        """;

    [Fact]
    public void Parse_splits_cells_and_strips_comment_prefixes_from_markdown()
    {
        var cells = NotebookSource.Parse(Program);
        Assert.Equal([CellKind.Markdown, CellKind.Code, CellKind.Markdown, CellKind.Code, CellKind.Code], cells.Select(c => c.Kind));
        Assert.Equal(["# Title", "", "Text with `code`."], NotebookSource.MarkdownText(cells[0]));
        Assert.True(cells[1].IsSetup);
        Assert.Equal(["Console.WriteLine(\"one\");"], cells[3].Lines);
    }

    [Theory]
    [InlineData("Console.WriteLine();\n// %%\nx();", "text before the first")]
    [InlineData("// %% [markdown]\nint x = 1;", "only '//' comment lines")]
    [InlineData("// %%\nusing System;\n// %%\n#:project a.csproj", "first code cell")]
    [InlineData("// %% [markdown]\n// only prose", "no code cell")]
    public void Parse_rejects_malformed_programs_naming_the_problem(string text, string message)
    {
        var e = Assert.Throws<FormatException>(() => NotebookSource.Parse(text, "x.cs"));
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void Setup_cell_becomes_nuget_and_assembly_references_with_a_how_to_run_cell_before_it()
    {
        string dir = Path.Combine(RepoPaths.Root, "notebooks");
        string file = Path.Combine(dir, "obj", "builder-test-" + Guid.NewGuid().ToString("N") + ".cs");
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        File.WriteAllText(file, Program.Replace("../src/", "../../src/"));
        try
        {
            var cells = Notebook.Cells(RepoPaths.Root, file);
            Assert.Equal(6, cells.Count);
            Assert.Contains("dotnet build src/Simulator.Cli", Notebook.Join(cells[1].Source));
            var setup = cells[2].Source;
            Assert.Equal(0, cells[2].CodeIndex);
            // Packages of the whole project closure (Plotting -> Roofline -> Core), versions from Directory.Packages.props;
            // nothing outside it (MathNet belongs to Validation, which Plotting does not reference).
            Assert.Contains("#r \"nuget: ScottPlot, 5.1.59\"", setup);
            Assert.Contains("#r \"nuget: YamlDotNet, 18.1.0\"", setup);
            Assert.DoesNotContain(setup, l => l.Contains("MathNet", StringComparison.Ordinal));
            // Dependencies before the assemblies that use them, Plotting last.
            var dlls = setup.Where(l => l.StartsWith("#r \"../", StringComparison.Ordinal)).ToList();
            Assert.Equal("#r \"../../src/Simulator.Core/bin/Debug/net10.0/Simulator.Core.dll\"", dlls[0]);
            Assert.EndsWith("Simulator.Plotting.dll\"", dlls[^1]);
            Assert.Equal("using Simulator.Plotting;", setup[^1]);
            Assert.Equal([1, 2], cells.Where(c => c.Kind == CellKind.Code).Skip(1).Select(c => c.CodeIndex));
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void Instrumented_copy_marks_cells_on_the_marker_lines_and_makes_project_paths_absolute()
    {
        string file = Path.Combine(Path.GetTempPath(), "builder-test-" + Guid.NewGuid().ToString("N") + ".cs");
        File.WriteAllText(file, Program);
        try
        {
            var original = Program.Split('\n');
            var instrumented = Runner.Instrument(file).Split('\n');
            Assert.Equal(original.Length, instrumented.Length);
            Assert.Contains(instrumented, l => l.StartsWith("#:project ", StringComparison.Ordinal) && Path.IsPathRooted(l["#:project ".Length..]));
            Assert.Contains("##cell 1##", instrumented[12]);
            Assert.EndsWith("// %%", instrumented[12]);
            Assert.Contains("##cell 2##", instrumented[15]);
            Assert.Equal("// %%", instrumented[5]);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void Output_is_split_by_cell_with_charts_embedded_where_they_were_printed()
    {
        string dir = Path.Combine(Path.GetTempPath(), "builder-test-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path.Combine(dir, "output"));
        File.WriteAllBytes(Path.Combine(dir, "output", "a.png"), [1, 2, 3]);
        try
        {
            var outputs = Runner.Split("##cell 1##\nfirst\n##cell 2##\nbefore\nchart: output/a.png\nafter\n", dir);
            Assert.Equal([1, 2], outputs.Keys.Order());
            Assert.Equal("first\n", Assert.IsType<TextOutput>(Assert.Single(outputs[1])).Text);
            Assert.Collection(outputs[2],
                o => Assert.Equal("before\nchart: output/a.png\n", Assert.IsType<TextOutput>(o).Text),
                o => Assert.Equal(Convert.ToBase64String([1, 2, 3]), Assert.IsType<ImageOutput>(o).PngBase64),
                o => Assert.Equal("after\n", Assert.IsType<TextOutput>(o).Text));
            Assert.Throws<FileNotFoundException>(() => Runner.Split("##cell 1##\nchart: output/missing.png\n", dir));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void Written_notebook_reads_back_to_the_same_cells()
    {
        var cells = new List<NotebookCell>
        {
            new(CellKind.Markdown, ["# T", "", "µ × ÷"], -1),
            new(CellKind.Code, ["var x = 1;", "Console.WriteLine(x);"], 0),
        };
        string json = Notebook.ToJson(cells, new Dictionary<int, IReadOnlyList<CellOutput>> { [0] = [new TextOutput("1\n")] });
        Assert.Contains("µ × ÷", json);
        var read = Notebook.ReadSources(json);
        Assert.Null(Notebook.Difference(cells, read));
        Assert.NotNull(Notebook.Difference([cells[0], cells[1] with { Source = ["var x = 2;"] }], read));
    }
}
