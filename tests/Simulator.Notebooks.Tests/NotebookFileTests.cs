using System.Text.Json;
using NotebookBuilder;
using Simulator.Tests;

namespace Simulator.Notebooks.Tests;

/// <summary>
/// Each committed notebook is valid nbformat 4 JSON for the .NET Interactive C# kernel, and its cells are exactly
/// what the builder makes from its program: a notebook edited by hand, or a program changed without regenerating
/// its notebook (<c>dotnet run --project tools/NotebookBuilder</c>), fails here.
/// </summary>
public class NotebookFileTests
{
    public static TheoryData<string> Programs() => NotebookRunTests.Programs();

    private static string IpynbOf(string program) => Path.Combine(RepoPaths.Root, "notebooks", Path.ChangeExtension(program, ".ipynb"));

    [Fact]
    public void There_are_at_least_four_notebooks_each_with_its_ipynb()
    {
        var programs = Notebook.Programs(RepoPaths.Root).ToList();
        Assert.True(programs.Count >= 4, $"{programs.Count} notebook programs");
        foreach (var p in programs) Assert.True(File.Exists(Path.ChangeExtension(p, ".ipynb")), $"{Path.GetFileName(p)} has no .ipynb beside it");
        var orphans = Directory.GetFiles(Path.Combine(RepoPaths.Root, "notebooks"), "*.ipynb")
            .Where(n => !File.Exists(Path.ChangeExtension(n, ".cs"))).Select(Path.GetFileName).ToList();
        Assert.Empty(orphans);
    }

    [Theory]
    [MemberData(nameof(Programs))]
    public void Notebook_is_valid_nbformat_for_the_csharp_kernel(string program)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(IpynbOf(program)));
        var rootEl = doc.RootElement;
        Assert.Equal(4, rootEl.GetProperty("nbformat").GetInt32());
        Assert.True(rootEl.GetProperty("nbformat_minor").GetInt32() >= 4);
        var kernel = rootEl.GetProperty("metadata").GetProperty("kernelspec");
        Assert.Equal(".net-csharp", kernel.GetProperty("name").GetString());
        Assert.Equal("C#", kernel.GetProperty("language").GetString());
        var ids = new HashSet<string>();
        int code = 0, images = 0, texts = 0;
        foreach (var cell in rootEl.GetProperty("cells").EnumerateArray())
        {
            Assert.True(ids.Add(cell.GetProperty("id").GetString()!), "cell ids must be unique");
            Assert.Equal(JsonValueKind.Array, cell.GetProperty("source").ValueKind);
            if (cell.GetProperty("cell_type").GetString() != "code")
            {
                Assert.False(cell.TryGetProperty("outputs", out _), "markdown cells have no outputs");
                continue;
            }
            code++;
            Assert.Equal("csharp", cell.GetProperty("metadata").GetProperty("dotnet_interactive").GetProperty("language").GetString());
            foreach (var output in cell.GetProperty("outputs").EnumerateArray())
            {
                switch (output.GetProperty("output_type").GetString())
                {
                    case "stream":
                        Assert.Equal("stdout", output.GetProperty("name").GetString());
                        texts++;
                        break;
                    case "display_data":
                        var png = Convert.FromBase64String(output.GetProperty("data").GetProperty("image/png").GetString()!);
                        Assert.True(png.Length > 20_000);
                        _ = Png.Size(png);
                        images++;
                        break;
                    default:
                        Assert.Fail($"unexpected output type {output.GetProperty("output_type")}");
                        break;
                }
            }
        }
        Assert.True(code >= 3, $"{code} code cells");
        Assert.True(texts >= 2, "the notebook shows its tables as saved text output");
        Assert.True(images >= 1, "the notebook shows at least one chart as a saved image");
    }

    [Theory]
    [MemberData(nameof(Programs))]
    public void Notebook_cells_are_the_cells_of_its_program(string program)
    {
        var expected = Notebook.Cells(RepoPaths.Root, Path.Combine(RepoPaths.Root, "notebooks", program));
        var actual = Notebook.ReadSources(File.ReadAllText(IpynbOf(program)));
        var difference = Notebook.Difference(expected, actual);
        Assert.True(difference is null, $"{Path.ChangeExtension(program, ".ipynb")} {difference}; regenerate it with: dotnet run --project tools/NotebookBuilder");
        // The program's own code appears verbatim: every code cell but the setup cell, line for line.
        var source = NotebookSource.Parse(File.ReadAllText(Path.Combine(RepoPaths.Root, "notebooks", program)));
        var codeTexts = actual.Where(c => c.Kind == CellKind.Code).Select(c => c.Text).ToList();
        foreach (var cell in source.Where(c => c.Kind == CellKind.Code && !c.IsSetup))
            Assert.Contains(string.Join("\n", cell.Lines), codeTexts);
    }

    [Theory]
    [MemberData(nameof(Programs))]
    public void Setup_cell_loads_the_built_libraries_instead_of_project_directives(string program)
    {
        var setup = Notebook.ReadSources(File.ReadAllText(IpynbOf(program))).First(c => c.Kind == CellKind.Code).Text.Split('\n');
        Assert.DoesNotContain(setup, l => l.StartsWith("#:", StringComparison.Ordinal));
        var dlls = setup.Where(l => l.StartsWith("#r \"../src/", StringComparison.Ordinal)).ToList();
        Assert.Contains(dlls, l => l.Contains("Simulator.Core.dll"));
        foreach (var line in dlls)
        {
            string project = line.Split('"')[1].Split("/bin/")[0];
            Assert.True(Directory.Exists(Path.Combine(RepoPaths.Root, "notebooks", project)), $"{line}: no project folder {project}");
        }
        Assert.Contains(setup, l => l.StartsWith("#r \"nuget: YamlDotNet, ", StringComparison.Ordinal));
    }
}
