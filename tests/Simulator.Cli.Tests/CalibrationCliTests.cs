using System.Text.Json;
using Simulator.Tests;

namespace Simulator.Cli.Tests;

/// <summary>Validate/calibrate from the command line, and calibrated profiles feeding estimate with error bands.</summary>
public class CalibrationCliTests
{
    private static (int Code, string Out, string Err) Run(string hardwareDir, params string[] args) => CliRunner.RunWith(hardwareDir, args);

    private static string TempHardwareDir()
    {
        string dir = Path.Combine(Path.GetTempPath(), "llmsim-hw-" + Guid.NewGuid().ToString("N"));
        foreach (var sub in new[] { "gpu", "interconnects", "clusters" })
        {
            Directory.CreateDirectory(Path.Combine(dir, sub));
            foreach (var f in Directory.EnumerateFiles(Path.Combine(RepoPaths.HardwareDir, sub)))
                File.Copy(f, Path.Combine(dir, sub, Path.GetFileName(f)));
        }
        return dir;
    }

    [Fact]
    public void Calibrated_profile_reports_bands_derived_from_its_residuals()
    {
        string dir = TempHardwareDir();
        try
        {
            string profilePath = Path.Combine(dir, "gpu", "h100-sxm.yaml");
            File.WriteAllLines(profilePath, File.ReadAllLines(profilePath).Where(l => !l.StartsWith("calibration:")));
            var (_, plain, _) = Run(dir, "estimate", "--model", "llama-3.1-8b", "--hardware", "h100-sxm", "--format", "json");
            double plainTtft = JsonDocument.Parse(plain).RootElement.GetProperty("ttftSeconds").GetDouble();

            // A calibration with flat curves equal to the defaults, and residuals of -10% .. +20%.
            File.WriteAllText(Path.Combine(dir, "gpu", "h100-cal.yaml"),
                "device: h100-sxm\nmemory: {max: 0.85, half_log10: 0, slope: 50}\ngemm:\n  bf16: {max: 0.75, half_log10: 0, slope: 50}\nresidual_bands:\n  gemm: {p10: -10, p90: 20}\n");
            string profile = Path.Combine(dir, "gpu", "h100-sxm.yaml");
            var lines = File.ReadAllLines(profile).Where(l => !l.StartsWith("calibration:")).Append("calibration: h100-cal.yaml");
            File.WriteAllLines(profile, lines);
            var (code, stdout, err) = Run(dir, "estimate", "--model", "llama-3.1-8b", "--hardware", "h100-sxm", "--format", "json");
            Assert.True(code == 0, err);
            var root = JsonDocument.Parse(stdout).RootElement;
            double ttft = root.GetProperty("ttftSeconds").GetDouble();
            Assert.Equal(plainTtft, ttft, plainTtft * 1e-9); // same efficiencies, so the same prediction
            // The description names the fitted parts and the constants still in force for the other data types.
            Assert.Contains("calibrated: memory curve, gemm bf16 curve", root.GetProperty("efficiency").GetString());
            Assert.StartsWith("gpu defaults (compute 0.75, memory 0.85); ", root.GetProperty("efficiency").GetString());
            var band = root.GetProperty("ttftBandSeconds");
            // measured = predicted / (1 + error): error +20% -> low, -10% -> high.
            Assert.Equal(ttft / 1.2, band.GetProperty("low").GetDouble(), 1e-12);
            Assert.Equal(ttft / 0.9, band.GetProperty("high").GetDouble(), 1e-12);
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void Validate_json_has_rows_and_a_summary_per_benchmark()
    {
        string file = Path.Combine(RepoPaths.Root, "validation", "measured", "published", "mamf-achievable-matmul.csv");
        var (code, stdout, err) = Run(RepoPaths.HardwareDir, "validate", "--measured", file, "--format", "json");
        Assert.True(code == 0, err);
        var root = JsonDocument.Parse(stdout).RootElement;
        Assert.Equal(14, root.GetProperty("rows").GetArrayLength());
        // Summaries are per device, never pooled: 12 of the 14 rows are on 10 shipped profiles (2 gh200 rows have none).
        var summary = root.GetProperty("summary");
        int predicted = 0;
        foreach (var device in summary.EnumerateObject())
        {
            var gemm = device.Value.GetProperty("gemm");
            foreach (var f in new[] { "count", "medianAbsPctError", "p90AbsPctError", "maxAbsPctError", "biasPct" })
                Assert.True(gemm.TryGetProperty(f, out _), f);
            predicted += gemm.GetProperty("count").GetInt32();
        }
        Assert.Equal(12, predicted);
        Assert.Equal(2, summary.GetProperty("b200-sxm").GetProperty("gemm").GetProperty("count").GetInt32());
        Assert.Contains("gh200", err);
        // The shipped A100 and H100 calibrations apply to their rows, and the output says which files.
        string applied = root.GetProperty("calibrationApplied").GetString()!;
        Assert.Contains("a100-80gb-sxm.yaml", applied);
        Assert.Contains("h100-sxm.yaml", applied);
    }

    [Fact]
    public void Validate_without_calibration_applies_none_and_says_so()
    {
        // --no-calibration judges the bare datasheet constants: no calibration file is applied, the output says so, and
        // the A100 fp16 GEMMs (on which the shipped A100 curve was fitted) are predicted differently.
        string file = Path.Combine(RepoPaths.Root, "validation", "measured", "published", "vidur-a100-gemm.csv");
        static (string Applied, double Median) Summary(string json)
        {
            var root = JsonDocument.Parse(json).RootElement;
            return (root.GetProperty("calibrationApplied").GetString()!, root.GetProperty("summary").GetProperty("a100-80gb-sxm").GetProperty("gemm").GetProperty("medianAbsPctError").GetDouble());
        }
        var (code, bare, err) = Run(RepoPaths.HardwareDir, "validate", "--measured", file, "--no-calibration", "--format", "json");
        Assert.True(code == 0, err);
        var (_, calibrated, _) = Run(RepoPaths.HardwareDir, "validate", "--measured", file, "--format", "json");
        var off = Summary(bare);
        var on = Summary(calibrated);
        Assert.StartsWith("none (--no-calibration", off.Applied);
        Assert.Contains("a100-80gb-sxm.yaml", on.Applied);
        Assert.NotEqual(on.Median, off.Median);
        var (tc, text, _) = Run(RepoPaths.HardwareDir, "validate", "--measured", file, "--no-calibration");
        Assert.Equal(0, tc);
        Assert.Contains("--no-calibration", text);
    }

    [Fact]
    public void Validate_plot_draws_one_row_per_family_with_its_devices()
    {
        string file = Path.Combine(RepoPaths.Root, "validation", "measured", "published", "mamf-achievable-matmul.csv");
        string svg = Path.Combine(Path.GetTempPath(), $"validate-{Guid.NewGuid():N}.svg");
        try
        {
            var (code, _, err) = Run(RepoPaths.HardwareDir, "validate", "--measured", file, "--plot", svg);
            Assert.True(code == 0, err);
            string text = File.ReadAllText(svg);
            // The MAMF table holds GEMM rows only, on several devices: one family row, the devices in the legend.
            Assert.Matches(@">\s*gemm\s*<", text);
            Assert.DoesNotMatch(@">\s*e2e\s*<", text);
            Assert.Contains("h100-sxm (", text);
            Assert.Contains("mi300x (", text);
        }
        finally { File.Delete(svg); }
    }

    [Fact]
    public void Validate_reports_broken_rows_with_line_numbers_and_exits_non_zero()
    {
        string file = Path.Combine(Path.GetTempPath(), $"broken-{Guid.NewGuid():N}.csv");
        try
        {
            File.WriteAllText(file, "benchmark,device,dtype,model,tp,m,n,k,bytes,batch,input_tokens,output_tokens,context_tokens,metric,value,unit,source\n"
                + "gemm,h100-sxm,bf16,,,4096,4096,4096,,,,,,seconds,0.0002,s,test\nbogus,h100-sxm\n");
            var (code, _, err) = Run(RepoPaths.HardwareDir, "validate", "--measured", file);
            Assert.Equal(Cli.BadInput, code);
            Assert.Contains(":3:", err);
        }
        finally { File.Delete(file); }
    }

    [Fact]
    public void Calibrate_writes_a_file_that_validate_accepts()
    {
        string output = Path.Combine(Path.GetTempPath(), $"a100-{Guid.NewGuid():N}.yaml");
        string measured = Path.Combine(RepoPaths.Root, "validation", "measured", "published", "vidur-a100-gemm.csv");
        try
        {
            var (code, stdout, err) = Run(RepoPaths.HardwareDir, "calibrate", "--measured", measured, "--hardware", "a100-80gb-sxm", "-o", output);
            Assert.True(code == 0, err);
            Assert.Contains("before median", stdout);
            var (code2, _, err2) = Run(RepoPaths.HardwareDir, "validate", "--measured", measured, "--calibration", output);
            Assert.True(code2 == 0, err2);
        }
        finally { File.Delete(output); }
    }

    [Fact]
    public void Calibrate_with_broken_rows_exits_2_and_writes_nothing()
    {
        string dir = Path.Combine(Path.GetTempPath(), $"cal-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        try
        {
            string measured = Path.Combine(dir, "m.csv");
            var good = File.ReadLines(Path.Combine(RepoPaths.Root, "validation", "measured", "published", "vidur-a100-gemm.csv")).Take(400).ToList();
            good.Add("gemm,a100-80gb-sxm,fp16,,,oops,4096,4096,,,,,,seconds,0.001,s,broken");
            File.WriteAllLines(measured, good);
            string output = Path.Combine(dir, "a100.yaml");
            var (code, _, err) = Run(RepoPaths.HardwareDir, "calibrate", "--measured", measured, "--hardware", "a100-80gb-sxm", "-o", output);
            Assert.Equal(2, code);
            Assert.Contains("nothing written", err);
            Assert.Contains("m.csv:401", err);
            Assert.False(File.Exists(output));
            Assert.Single(Directory.GetFiles(dir)); // only the input: no temporary file left behind either
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void Calibrate_refuses_to_write_a_fit_that_helps_nothing()
    {
        // GEMM timings exactly as the profile's constants predict them: no fitted part can lower held-out error.
        string dir = Path.Combine(Path.GetTempPath(), $"cal-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        try
        {
            var lines = new List<string> { "benchmark,device,dtype,model,tp,m,n,k,bytes,batch,input_tokens,output_tokens,context_tokens,metric,value,unit,source" };
            foreach (int m in new[] { 1024, 2048, 4096, 8192, 16384 })
                foreach (var (n, k) in new[] { (4096, 4096), (14336, 4096), (8192, 8192), (28672, 8192) })
                {
                    double flops = 2.0 * m * n * k, bytes = (m * (double)k + (double)k * n + m * (double)n) * 2;
                    double t = Math.Max(flops / (989.4e12 * 0.75), bytes / (3.35e12 * 0.85)) + 4e-6;
                    lines.Add($"gemm,h100-sxm,bf16,,,{m},{n},{k},,,,,,seconds,{t.ToString("R", System.Globalization.CultureInfo.InvariantCulture)},s,synthetic");
                }
            string measured = Path.Combine(dir, "exact.csv");
            File.WriteAllLines(measured, lines);
            string output = Path.Combine(dir, "h100.yaml");
            var (code, stdout, err) = Run(RepoPaths.HardwareDir, "calibrate", "--measured", measured, "--hardware", "h100-sxm", "-o", output);
            Assert.Equal(2, code);
            Assert.Contains("left out", stdout);
            Assert.Contains("nothing written", err);
            Assert.False(File.Exists(output));
        }
        finally { Directory.Delete(dir, true); }
    }
}
