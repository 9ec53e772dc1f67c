using System.Diagnostics;
using System.IO.Compression;
using Simulator.Tests;

namespace Simulator.Cli.Tests;

/// <summary>
/// The .NET tool package (issue 10, Package): one package per runtime, carrying only that runtime's native libraries
/// and the data the tool reads. The package for all 19 platforms was 218 MB; linux-x64 alone is about 37 MB.
/// </summary>
public class PackageTests
{
    [Fact]
    public async Task The_linux_x64_tool_package_carries_only_its_own_native_libraries_and_the_shipped_data()
    {
        string output = Path.Combine(Path.GetTempPath(), $"llmsim-pack-{Guid.NewGuid():N}");
        try
        {
            var psi = new ProcessStartInfo("dotnet") { WorkingDirectory = RepoPaths.Root, RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var a in new[] { "pack", "src/Simulator.Cli", "-c", "Release", "-r", "linux-x64", "-o", output, "-nologo" }) psi.ArgumentList.Add(a);
            psi.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
            psi.Environment["MSBUILDDISABLENODEREUSE"] = "1";
            using var p = Process.Start(psi)!;
            var stdout = p.StandardOutput.ReadToEndAsync();
            var stderr = p.StandardError.ReadToEndAsync();
            using (var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(8)))
            {
                try { await p.WaitForExitAsync(timeout.Token); }
                catch (OperationCanceledException) { p.Kill(true); Assert.Fail("dotnet pack ran past 8 minutes"); }
            }
            string log = await stdout + await stderr;
            Assert.True(p.ExitCode == 0, log);

            var packages = Directory.GetFiles(output, "*.nupkg");
            string package = Assert.Single(packages, f => Path.GetFileName(f).StartsWith("llmsim.linux-x64.", StringComparison.Ordinal));
            double megabytes = new FileInfo(package).Length / 1e6;
            Assert.InRange(megabytes, 10, 50);

            using var zip = ZipFile.OpenRead(package);
            var names = zip.Entries.Select(e => e.FullName).ToList();
            // Native libraries: Linux .so files only (OR-Tools, SkiaSharp, HarfBuzz), no macOS or Windows ones.
            Assert.Contains(names, n => n.EndsWith("google-ortools-native.so", StringComparison.Ordinal));
            Assert.Contains(names, n => n.EndsWith("libSkiaSharp.so", StringComparison.Ordinal));
            Assert.DoesNotContain(names, n => n.EndsWith(".dylib", StringComparison.Ordinal) || n.Contains("/runtimes/win", StringComparison.Ordinal) || n.Contains("/runtimes/osx", StringComparison.Ordinal));
            // The data the tool reads beside itself: profiles, specs, engine profiles and flag lists, the measured runs the report validates with.
            foreach (var data in new[] { "hardware-profiles/gpu/h100-sxm.yaml", "model-specs/deepseek-r1.yaml", "engine-profiles/vllm@0.11.yaml", "engine-profiles/flags/vllm@0.11.0.txt", "measured/h100-sxm-2026-11-22.csv" })
                Assert.Contains(names, n => n.EndsWith(data, StringComparison.Ordinal));
        }
        finally
        {
            if (Directory.Exists(output)) Directory.Delete(output, true);
        }
    }
}
