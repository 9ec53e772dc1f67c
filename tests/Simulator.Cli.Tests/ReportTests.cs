using System.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;
using Simulator.Tests;

namespace Simulator.Cli.Tests;

/// <summary>Runs only where Chromium is installed; in CI (CI=true) a missing Chromium is a failure, not a skip.</summary>
public sealed class ChromiumFactAttribute : FactAttribute
{
    public static string? Path { get; } = new[] { "/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome" }.FirstOrDefault(File.Exists);

    public ChromiumFactAttribute()
    {
        if (Path is null && Environment.GetEnvironmentVariable("CI") != "true")
            Skip = "Chromium is not installed (apt-get install chromium); .ci/run installs it";
    }
}

public class ReportTests
{
    private static (int Code, string Err) Report(string output)
    {
        var o = new StringWriter();
        var e = new StringWriter();
        int code = Cli.Run(["report", "--model", "llama-3.1-70b", "--hardware", "h100-sxm,a100-80gb-sxm", "--rate", "5", "-o", output,
            "--hardware-dir", RepoPaths.HardwareDir, "--models-dir", RepoPaths.ModelsDir,
            "--measured", Path.Combine(RepoPaths.Root, "validation", "measured", "h100-sxm-2026-11-22.csv")], o, e);
        return (code, e.ToString());
    }

    [Fact]
    public void Report_is_one_self_contained_file_with_inline_svg_charts()
    {
        string file = Path.Combine(Path.GetTempPath(), $"report-{Guid.NewGuid():N}.html");
        try
        {
            var (code, err) = Report(file);
            Assert.True(code == 0, err);
            string html = File.ReadAllText(file);
            Assert.True(Regex.Matches(html, "<svg").Count >= 2, "expected the Pareto and roofline charts inline");
            Assert.DoesNotContain("<script", html);
            // No fetched resources: no src= or href= pointing anywhere (SVG namespace declarations are not fetched).
            Assert.DoesNotMatch(@"(src|href)\s*=\s*[""']?(https?:)?//", html);
            Assert.Contains("Chosen plan", html);
            Assert.Contains("Validation status", html);
            Assert.Contains("h100-sxm", html);
            // Deterministic: the same inputs give the same bytes.
            string again = Path.Combine(Path.GetTempPath(), $"report-{Guid.NewGuid():N}.html");
            Report(again);
            Assert.Equal(html, File.ReadAllText(again));
            File.Delete(again);
        }
        finally { File.Delete(file); }
    }

    [Fact]
    public void Report_is_the_same_from_any_working_folder_and_validates_with_the_shipped_measurements()
    {
        // Run the built llmsim (the shipped library and measured data sit beside it) from two unrelated folders.
        string exe = Path.Combine(AppContext.BaseDirectory, "llmsim.dll");
        string[] folders = [Path.GetTempPath(), RepoPaths.Root];
        var htmls = new List<string>();
        foreach (var cwd in folders)
        {
            string file = Path.Combine(Path.GetTempPath(), $"report-cwd-{Guid.NewGuid():N}.html");
            var psi = new ProcessStartInfo("dotnet") { WorkingDirectory = cwd, RedirectStandardError = true, RedirectStandardOutput = true };
            foreach (var a in new[] { exe, "report", "--model", "llama-3.1-8b", "--hardware", "h100-sxm,h200-sxm", "--rate", "2", "--check", "analytic", "-o", file })
                psi.ArgumentList.Add(a);
            using var p = Process.Start(psi)!;
            string err = p.StandardError.ReadToEnd();
            p.WaitForExit();
            Assert.True(p.ExitCode == 0, err);
            htmls.Add(File.ReadAllText(file));
            File.Delete(file);
        }
        Assert.Equal(htmls[0], htmls[1]);
        // The shipped H100 and H200 runs are in the validation section wherever it runs.
        Assert.DoesNotContain(">no measurements<", htmls[0]);
        Assert.Matches(@"<td>h200-sxm</td><td>[^<]*</td><td class=""n"">[1-9][0-9]*</td>", htmls[0]);
        // The roofline is drawn with the efficiency model the plan used (H100 and H200 have calibrations or constants, named).
        Assert.Contains("Efficiency model:", htmls[0]);
    }

    /// <summary>
    /// Renders the report in headless Chromium with a network log: the page must draw (a non-trivial screenshot, the
    /// SVG charts in the rendered DOM) and make no request of its own. Requests the page makes carry its origin as
    /// initiator ("null" for a file); Chromium's own background traffic has none ("not an origin"). A control page
    /// with an external image proves the check can see a request.
    /// </summary>
    [ChromiumFact]
    public void Report_renders_in_headless_chromium_without_external_requests()
    {
        Assert.NotNull(ChromiumFactAttribute.Path);
        string dir = Path.Combine(Path.GetTempPath(), $"chromium-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        try
        {
            string report = Path.Combine(dir, "report.html");
            Assert.Equal(0, Report(report).Code);
            var (shot, dom, requests) = Render(dir, report);
            Assert.True(new FileInfo(shot).Length > 50_000, "screenshot looks empty");
            Assert.True(Regex.Matches(dom, "<svg").Count >= 2);
            Assert.Empty(requests);

            string control = Path.Combine(dir, "control.html");
            File.WriteAllText(control, "<html><body><img src=\"http://example.invalid/x.png\"></body></html>");
            Assert.Contains(Render(dir, control).Requests, u => u.Contains("example.invalid"));
        }
        finally { Directory.Delete(dir, true); }
    }

    private static (string Shot, string Dom, List<string> Requests) Render(string dir, string page)
    {
        string tag = Path.GetFileNameWithoutExtension(page);
        string shot = Path.Combine(dir, tag + ".png"), netlog = Path.Combine(dir, tag + ".netlog.json");
        string[] common = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", $"--user-data-dir={Path.Combine(dir, "profile-" + tag)}"];
        Run([.. common, $"--log-net-log={netlog}", "--window-size=1200,3000", $"--screenshot={shot}", "file://" + page]);
        string dom = Run([.. common, "--dump-dom", "file://" + page]);
        var requests = new List<string>();
        using var doc = JsonDocument.Parse(File.ReadAllText(netlog));
        var types = doc.RootElement.GetProperty("constants").GetProperty("logEventTypes").EnumerateObject().ToDictionary(p => p.Value.GetInt32(), p => p.Name);
        foreach (var ev in doc.RootElement.GetProperty("events").EnumerateArray())
        {
            if (types.GetValueOrDefault(ev.GetProperty("type").GetInt32()) != "URL_REQUEST_START_JOB" || !ev.TryGetProperty("params", out var p)) continue;
            string url = p.TryGetProperty("url", out var u) ? u.GetString() ?? "" : "";
            string initiator = p.TryGetProperty("initiator", out var i) ? i.GetString() ?? "" : "";
            if (initiator != "not an origin" && (url.StartsWith("http:") || url.StartsWith("https:"))) requests.Add(url);
        }
        return (shot, dom, requests);
    }

    private static string Run(string[] args)
    {
        var psi = new ProcessStartInfo(ChromiumFactAttribute.Path!) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var proc = Process.Start(psi)!;
        var stdout = proc.StandardOutput.ReadToEndAsync();
        _ = proc.StandardError.ReadToEndAsync();
        if (!proc.WaitForExit(60_000)) { proc.Kill(true); throw new TimeoutException("chromium did not finish in 60 s"); }
        return stdout.Result;
    }
}
