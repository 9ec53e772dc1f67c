using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;

namespace NotebookBuilder;

/// <summary>The result of running a notebook program: exit code, output per code cell, and what went to stderr.</summary>
public sealed record RunResult(int ExitCode, bool TimedOut, IReadOnlyDictionary<int, IReadOnlyList<CellOutput>> Outputs, string Stdout, string Stderr);

/// <summary>
/// Runs notebook programs with <c>dotnet run FILE.cs</c>. To attribute output to cells, the builder runs an
/// instrumented copy (in <c>notebooks/obj/</c>, git-ignored) whose code-cell markers print <c>##cell N##</c>;
/// the marker replaces the <c>// %%</c> comment on the same line, so compiler messages keep their line numbers.
/// A printed line <c>chart: PATH.png</c> (relative to the notebook's folder) embeds that PNG after the text.
/// </summary>
public static partial class Runner
{
    [GeneratedRegex(@"^##cell (\d+)##$")]
    private static partial Regex CellLine();

    [GeneratedRegex(@"^chart: (.+\.png)$")]
    private static partial Regex ChartLine();

    /// <summary>
    /// Environment for child <c>dotnet</c> processes: no build servers or node reuse (they would outlive the run
    /// and hold its output pipes open), no telemetry banner.
    /// </summary>
    public static void QuietDotnet(ProcessStartInfo psi)
    {
        psi.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        psi.Environment["DOTNET_NOLOGO"] = "1";
        psi.Environment["DOTNET_CLI_USE_MSBUILD_SERVER"] = "0";
        psi.Environment["MSBUILDDISABLENODEREUSE"] = "1";
        psi.Environment["UseSharedCompilation"] = "false";
    }

    /// <summary>Runs <c>dotnet run FILE</c> in <paramref name="workingDir"/> and collects stdout and stderr.</summary>
    public static (int ExitCode, bool TimedOut, string Stdout, string Stderr) DotnetRun(string file, string workingDir, TimeSpan timeout, IReadOnlyDictionary<string, string>? env = null)
    {
        var psi = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = workingDir,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        psi.ArgumentList.Add("run");
        psi.ArgumentList.Add(file);
        QuietDotnet(psi);
        foreach (var (k, v) in env ?? new Dictionary<string, string>()) psi.Environment[k] = v;
        var stdout = new StringBuilder();
        var stderr = new StringBuilder();
        using var p = new Process { StartInfo = psi };
        using var outDone = new ManualResetEventSlim();
        using var errDone = new ManualResetEventSlim();
        p.OutputDataReceived += (_, e) => { if (e.Data is null) outDone.Set(); else lock (stdout) stdout.Append(e.Data).Append('\n'); };
        p.ErrorDataReceived += (_, e) => { if (e.Data is null) errDone.Set(); else lock (stderr) stderr.Append(e.Data).Append('\n'); };
        p.Start();
        p.StandardInput.Close();
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        bool exited = p.WaitForExit((int)timeout.TotalMilliseconds);
        if (!exited)
        {
            try { p.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
            p.WaitForExit(5000);
        }
        else
        {
            // WaitForExit(timeout) may return before the asynchronous readers have seen the end of the pipes, and a
            // build-server grandchild can hold them open: wait for each reader's end of stream, at most 30 s.
            outDone.Wait(TimeSpan.FromSeconds(30));
            errDone.Wait(TimeSpan.FromSeconds(30));
        }
        lock (stdout) lock (stderr)
            return (exited ? p.ExitCode : -1, !exited, stdout.ToString(), stderr.ToString());
    }

    /// <summary>The instrumented copy of a notebook program: absolute <c>#:project</c> paths and cell markers.</summary>
    public static string Instrument(string csPath)
    {
        string dir = Path.GetDirectoryName(Path.GetFullPath(csPath))!;
        var lines = File.ReadAllText(csPath).Replace("\r\n", "\n").Split('\n');
        var cells = NotebookSource.Parse(string.Join("\n", lines), csPath);
        var sb = new StringBuilder();
        int code = 0;
        for (int i = 0; i < lines.Length; i++)
        {
            string line = lines[i];
            string t = line.TrimEnd();
            if (t == NotebookSource.CodeMarker)
            {
                // The setup cell (directives) must stay free of statements; its output, if any, is cell 0's anyway.
                bool setup = cells.Any(c => c.IsSetup) && code == 0;
                line = setup ? line : $"global::System.Console.Out.Flush(); global::System.Console.WriteLine(\"##cell {code}##\"); {NotebookSource.CodeMarker}";
                code++;
            }
            else if (t.StartsWith("#:project ", StringComparison.Ordinal))
                line = "#:project " + Path.GetFullPath(Path.Combine(dir, t["#:project ".Length..].Trim()));
            sb.Append(line);
            if (i < lines.Length - 1) sb.Append('\n');
        }
        return sb.ToString();
    }

    /// <summary>Runs the instrumented program from <paramref name="root"/> and splits its output by cell.</summary>
    public static RunResult Run(string root, string csPath, TimeSpan timeout)
    {
        string objDir = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(csPath))!, "obj");
        Directory.CreateDirectory(objDir);
        string copy = Path.Combine(objDir, Path.GetFileName(csPath));
        File.WriteAllText(copy, Instrument(csPath));
        var (exit, timedOut, stdout, stderr) = DotnetRun(copy, root, timeout);
        return new RunResult(exit, timedOut, Split(stdout, Path.GetDirectoryName(Path.GetFullPath(csPath))!), stdout, stderr);
    }

    /// <summary>Splits marked stdout into outputs per code cell, with charts embedded where their line was printed.</summary>
    public static IReadOnlyDictionary<int, IReadOnlyList<CellOutput>> Split(string stdout, string notebookDir)
    {
        var result = new Dictionary<int, IReadOnlyList<CellOutput>>();
        int cell = 0;
        var items = new List<CellOutput>();
        var text = new StringBuilder();
        void FlushText()
        {
            if (text.Length > 0) items.Add(new TextOutput(text.ToString()));
            text.Clear();
        }
        void FlushCell()
        {
            FlushText();
            if (items.Count > 0) result[cell] = items;
            items = [];
        }
        var lines = stdout.Replace("\r\n", "\n").Split('\n');
        // Output ends with a newline, which leaves one empty string after the split.
        int count = lines.Length > 0 && lines[^1].Length == 0 ? lines.Length - 1 : lines.Length;
        foreach (var line in lines.Take(count))
        {
            if (CellLine().Match(line) is { Success: true } m)
            {
                FlushCell();
                cell = int.Parse(m.Groups[1].Value);
                continue;
            }
            text.Append(line).Append('\n');
            if (ChartLine().Match(line) is { Success: true } c)
            {
                string path = Path.GetFullPath(Path.Combine(notebookDir, c.Groups[1].Value));
                if (!File.Exists(path)) throw new FileNotFoundException($"the program printed '{line}' but {path} does not exist");
                FlushText();
                items.Add(new ImageOutput(c.Groups[1].Value, Convert.ToBase64String(File.ReadAllBytes(path))));
            }
        }
        FlushCell();
        return result;
    }
}
