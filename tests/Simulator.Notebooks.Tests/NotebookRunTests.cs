using System.Text.Json;
using NotebookBuilder;
using Simulator.Tests;

namespace Simulator.Notebooks.Tests;

/// <summary>
/// Runs every notebook program the way the README says (<c>dotnet run notebooks/NN-name.cs</c> from the repository
/// root), so a notebook that no longer compiles or throws fails here. Charts go to a temporary folder
/// (<c>NOTEBOOK_OUTPUT_DIR</c>) so the committed PNGs are left alone. The cases of one theory run one after
/// another: each compiles its program, and the 2-core machine gains nothing from overlapping them.
/// </summary>
public class NotebookRunTests
{
    public static TheoryData<string> Programs()
    {
        var data = new TheoryData<string>();
        foreach (var file in Notebook.Programs(RepoPaths.Root)) data.Add(Path.GetFileName(file));
        return data;
    }

    [Theory]
    [MemberData(nameof(Programs))]
    public void Program_runs_and_writes_the_charts_its_notebook_shows(string name)
    {
        string outDir = Path.Combine(Path.GetTempPath(), "llmsim-notebook-" + Guid.NewGuid().ToString("N"));
        try
        {
            var run = Runner.DotnetRun(Path.Combine("notebooks", name), RepoPaths.Root, TimeSpan.FromMinutes(5),
                new Dictionary<string, string> { ["NOTEBOOK_OUTPUT_DIR"] = outDir });
            Assert.False(run.TimedOut, $"{name} ran past 5 minutes\n{run.Stdout}\n{run.Stderr}");
            Assert.True(run.ExitCode == 0, $"{name} exited with {run.ExitCode}\n{run.Stdout}\n{run.Stderr}");

            var printed = run.Stdout.Split('\n').Where(l => l.StartsWith("chart: ", StringComparison.Ordinal))
                .Select(l => Path.GetFileName(l["chart: ".Length..].Trim())).Order(StringComparer.Ordinal).ToList();
            Assert.True(printed.Count > 0, $"{name} printed no chart lines\n{run.Stdout}\n{run.Stderr}");
            Assert.Equal(ChartsInNotebook(name), printed);
            Assert.Equal(printed, Directory.GetFiles(outDir).Select(f => Path.GetFileName(f)).Order(StringComparer.Ordinal).ToList());
            foreach (var chart in printed)
            {
                var bytes = File.ReadAllBytes(Path.Combine(outDir, chart));
                Assert.True(bytes.Length > 20_000, $"{chart} is only {bytes.Length} bytes");
                var (width, height) = Png.Size(bytes);
                Assert.Equal((1200, 800), (width, height));
            }
        }
        finally
        {
            if (Directory.Exists(outDir)) Directory.Delete(outDir, recursive: true);
        }
    }

    /// <summary>File names of the images saved in the committed notebook (their text/plain label is the path).</summary>
    private static List<string> ChartsInNotebook(string program)
    {
        string ipynb = Path.Combine(RepoPaths.Root, "notebooks", Path.ChangeExtension(program, ".ipynb"));
        using var doc = JsonDocument.Parse(File.ReadAllText(ipynb));
        return doc.RootElement.GetProperty("cells").EnumerateArray()
            .Where(c => c.TryGetProperty("outputs", out _))
            .SelectMany(c => c.GetProperty("outputs").EnumerateArray())
            .Where(o => o.TryGetProperty("data", out var d) && d.TryGetProperty("image/png", out _))
            .Select(o => Path.GetFileName(o.GetProperty("data").GetProperty("text/plain")[0].GetString()!))
            .Order(StringComparer.Ordinal).ToList();
    }
}

/// <summary>Reads a PNG's header.</summary>
internal static class Png
{
    private static readonly byte[] Signature = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    /// <summary>Width and height from the IHDR chunk; fails the test when the bytes are not a PNG.</summary>
    public static (int Width, int Height) Size(byte[] bytes)
    {
        Assert.True(bytes.Length > 24 && bytes.AsSpan(0, 8).SequenceEqual(Signature), "not a PNG file");
        Assert.Equal("IHDR", System.Text.Encoding.ASCII.GetString(bytes, 12, 4));
        int Int(int at) => (bytes[at] << 24) | (bytes[at + 1] << 16) | (bytes[at + 2] << 8) | bytes[at + 3];
        return (Int(16), Int(20));
    }
}
