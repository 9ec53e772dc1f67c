using ScottPlot;
using Simulator.Core.Loading;
using Simulator.Tests;

namespace Simulator.Plotting.Tests;

/// <summary>Every chart renders to a non-trivial PNG of the default size, and to the same SVG bytes for the same inputs.</summary>
public class ChartFileTests
{
    private static readonly SpecLibrary Lib = new(RepoPaths.HardwareDir, RepoPaths.ModelsDir);

    public static TheoryData<string> Charts => ["roofline", "validation", "pareto", "cdf", "rate-sweep", "sweep", "kv"];

    private static Plot Make(string chart) => chart switch
    {
        "roofline" => RooflineChart.Build([Lib.Hardware("h100-sxm"), Lib.Hardware("mi300x")],
            [new("qkv_proj", 1500, 7e14, "prefill", "h100-sxm"), new("qkv_proj", 1500, 9e14, "prefill", "mi300x"), new("mlp_act", 0.8, 2e12, "decode", "h100-sxm")], "roofline"),
        "validation" => ValidationChart.Build(
            Enumerable.Range(0, 200).Select(i => new ValidationPoint(i % 3 == 0 ? "gemm" : i % 3 == 1 ? "membw" : "e2e", i % 2 == 0 ? "h100-sxm" : "h200-sxm", 1e-3, 1e-3 * (0.6 + i % 17 * 0.05))).ToList(), "validation"),
        "pareto" => ParetoChart.Build([new("a", 14, 0.7, true, true, true), new("b", 24, 0.08, false, true), new("c", 24, 0.3, true)], "pareto"),
        "cdf" => LatencyCdfChart.Build([("TTFT", [0.01, 0.02, 0.05, 0.2]), ("TPOT", [0.01, 0.015, 0.02])], "cdf", [new SloTarget(SloMetric.Ttft, 0.25), new SloTarget(SloMetric.Tpot, 0.1)]),
        "rate-sweep" => RateSweepChart.Build([new(4, 0.03, 0.1, 0.008, 0.01, 4, 4), new(16, 0.04, 0.3, 0.02, 0.04, 15, 16)], "sweep", [new SloTarget(SloMetric.Ttft, 0.25)]),
        "sweep" => SweepChart.Build([1, 4, 16], [0.02, 0.05, 0.2], [0.008, 0.009, 0.012], [120, 440, 1300], "batch", "sweep"),
        "kv" => KvUsageChart.Build([(0, 0.1, 0.2), (1, 0.3, 0.5), (2, 0.2, 0.4)], "kv"),
        _ => throw new ArgumentOutOfRangeException(nameof(chart)),
    };

    [Theory]
    [MemberData(nameof(Charts))]
    public void Png_is_a_non_trivial_image_of_the_default_size(string chart)
    {
        string path = Path.Combine(Path.GetTempPath(), $"plotting-test-{chart}-{Guid.NewGuid():N}.png");
        try
        {
            ChartFile.Save(Make(chart), path);
            byte[] png = File.ReadAllBytes(path);
            Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], png[..4]);
            // IHDR: width and height, big-endian, at bytes 16-23.
            Assert.Equal(ChartFile.Width, System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(16, 4)));
            Assert.Equal(ChartFile.Height, System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(20, 4)));
            // A blank 1200 x 800 canvas compresses to a few kB; axes, text and data take far more.
            Assert.True(png.Length > 15_000, $"{chart}: only {png.Length} bytes");
        }
        finally { File.Delete(path); }
    }

    [Theory]
    [MemberData(nameof(Charts))]
    public void Svg_is_the_same_for_the_same_inputs(string chart)
    {
        string a = ChartFile.Svg(Make(chart)), b = ChartFile.Svg(Make(chart));
        Assert.Contains("<svg", a);
        Assert.Equal(a, b);
    }

    [Fact]
    public void Svg_clip_ids_follow_the_prefix_so_charts_on_one_page_stay_unique()
    {
        string a = ChartFile.Svg(Make("kv"), idPrefix: "a-clip"), b = ChartFile.Svg(Make("pareto"), idPrefix: "b-clip");
        Assert.Contains("id=\"a-clip0\"", a);
        Assert.Contains("url(#b-clip0)", b);
        Assert.DoesNotContain("cl_", a + b);
    }

    [Fact]
    public void Saved_svg_file_is_the_svg_text()
    {
        string path = Path.Combine(Path.GetTempPath(), $"plotting-test-{Guid.NewGuid():N}.svg");
        try
        {
            ChartFile.Save(Make("cdf"), path);
            Assert.Equal(ChartFile.Svg(Make("cdf")), File.ReadAllText(path));
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void Other_extensions_are_refused()
    {
        var e = Assert.Throws<ArgumentException>(() => ChartFile.Save(Make("kv"), Path.Combine(Path.GetTempPath(), "x.jpg")));
        Assert.Contains(".png or .svg", e.Message);
    }
}
