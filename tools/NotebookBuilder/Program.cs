using System.Diagnostics;
using NotebookBuilder;

// Turns notebooks/NN-name.cs (file-based programs with '// %%' cells) into notebooks/NN-name.ipynb for the
// .NET Interactive C# kernel, with the outputs of one run saved in the notebook.
//
//   dotnet run --project tools/NotebookBuilder                      every notebooks/[0-9]*.cs
//   dotnet run --project tools/NotebookBuilder -- notebooks/01-roofline.cs
//   dotnet run --project tools/NotebookBuilder -- --check           only check that each .ipynb matches its program

bool check = args.Contains("--check");
var files = args.Where(a => !a.StartsWith("--", StringComparison.Ordinal)).ToList();
string root = FindRoot();
if (files.Count == 0) files = Notebook.Programs(root).ToList();
if (files.Count == 0) { Console.Error.WriteLine($"no notebook programs in {Path.Combine(root, "notebooks")}"); return 2; }

int failures = 0;
foreach (var file in files.Select(Path.GetFullPath))
{
    string rel = Notebook.RelativePath(root, file);
    string ipynb = Path.ChangeExtension(file, ".ipynb");
    try
    {
        var cells = Notebook.Cells(root, file);
        if (check)
        {
            var problem = File.Exists(ipynb) ? Notebook.Difference(cells, Notebook.ReadSources(File.ReadAllText(ipynb))) : "missing";
            Console.WriteLine(problem is null ? $"{rel}: up to date" : $"{rel}: {Path.GetFileName(ipynb)} {problem}; regenerate it");
            if (problem is not null) failures++;
            continue;
        }
        var clock = Stopwatch.StartNew();
        var run = Runner.Run(root, file, TimeSpan.FromMinutes(5));
        if (run.ExitCode != 0)
        {
            Console.Error.WriteLine($"{rel}: {(run.TimedOut ? "timed out" : $"exit code {run.ExitCode}")}");
            Console.Error.Write(run.Stdout);
            Console.Error.Write(run.Stderr);
            failures++;
            continue;
        }
        if (run.Stderr.Length > 0) Console.Error.Write(run.Stderr);
        File.WriteAllText(ipynb, Notebook.ToJson(cells, run.Outputs));
        int images = run.Outputs.Values.Sum(o => o.Count(x => x is ImageOutput));
        Console.WriteLine($"{rel} -> {Path.GetFileName(ipynb)}: {cells.Count} cells, {images} chart(s), {clock.Elapsed.TotalSeconds:0.0} s");
    }
    catch (Exception e) when (e is FormatException or IOException or InvalidOperationException)
    {
        Console.Error.WriteLine($"{rel}: {e.Message}");
        failures++;
    }
}
return failures == 0 ? 0 : 1;

static string FindRoot()
{
    foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Simulator.sln"))) return dir.FullName;
    throw new DirectoryNotFoundException("Simulator.sln not found above the current folder");
}
