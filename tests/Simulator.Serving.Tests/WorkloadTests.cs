using MathNet.Numerics.Random;
using Simulator.Core.Loading;

namespace Simulator.Serving.Tests;

/// <summary>Arrival processes, length distributions, presets and the workload file.</summary>
public class WorkloadTests
{
    [Theory]
    [InlineData(4.0, 1.0)]
    [InlineData(4.0, 3.0)]
    [InlineData(0.5, 0.5)]
    public void Gamma_gaps_have_the_asked_rate_and_coefficient_of_variation(double rate, double cv)
    {
        var g = new GammaArrivals(rate, cv);
        var rng = new Xoshiro256StarStar(5, threadSafe: false);
        var gaps = Enumerable.Range(0, 200_000).Select(_ => g.NextGap(rng)).ToArray();
        double mean = gaps.Average();
        double sd = Math.Sqrt(gaps.Sum(x => (x - mean) * (x - mean)) / (gaps.Length - 1));
        Assert.InRange(mean * rate, 0.98, 1.02);
        Assert.InRange(sd / mean / cv, 0.97, 1.03);
    }

    [Theory]
    [InlineData("chat", 1154.7, 211.1)]
    [InlineData("code", 2047.8, 27.9)]
    [InlineData("summarize", 2588.1, 291.4)]
    public void Preset_lengths_match_the_trace_means_they_come_from(string preset, double inputMean, double outputMean)
    {
        // Means of the traces themselves (Vidur processed_traces): the percentile table reproduces them within a few
        // percent (linear interpolation between percentiles smooths the tails).
        var c = Presets.Class(preset);
        var rng = new Xoshiro256StarStar(9, threadSafe: false);
        double inMean = Enumerable.Range(0, 100_000).Average(_ => c.Input.Sample(rng));
        double outMean = Enumerable.Range(0, 100_000).Average(_ => c.Output.Sample(rng));
        Assert.InRange(inMean / inputMean, 0.95, 1.05);
        Assert.InRange(outMean / outputMean, 0.9, 1.1);
        Assert.Equal(c.Input.Mean, inMean, inMean * 0.02);
    }

    [Fact]
    public void Bounded_distributions_stay_in_bounds()
    {
        var rng = new Xoshiro256StarStar(1, threadSafe: false);
        LengthDistribution[] dists = [new NormalLength(100, 80, 10, 150), new LogNormalLength(1000, 2, 50, 2000), new UniformLength(3, 9), new EmpiricalLength([5, 7, 9], "test")];
        foreach (var d in dists)
            for (int i = 0; i < 10_000; i++)
            {
                int v = d.Sample(rng);
                Assert.InRange(v, 1, d.Max);
            }
        var median = new LogNormalLength(1000, 0.5, 1, 1_000_000);
        var s = Enumerable.Range(0, 50_001).Select(_ => median.Sample(rng)).Order().ToArray();
        Assert.InRange(s[25_000], 970, 1030);
    }

    private const string File1 = """
        name: mixed
        arrival:
          process: gamma
          rate: 6
          cv: 2.5
        classes:
          - name: chat
            preset: chat
            weight: 3
            slo: {ttft: 500 ms}
          - name: batch
            weight: 1
            input: {dist: lognormal, median: 2000, sigma: 0.6, min: 100, max: 8000}
            output: {dist: uniform, min: 100, max: 400}
            slo: {ttft: 10 s, tpot: 80 ms}
          - name: listed
            weight: 0.5
            input: {dist: empirical, values: [100, 200, 300]}
            output: {dist: fixed, value: 32}
        """;

    [Fact]
    public void A_workload_file_gives_classes_weights_lengths_slos_and_arrivals()
    {
        var (w, given) = WorkloadFile.Parse("mixed.yaml", File1);
        Assert.True(given);
        Assert.Equal(new GammaArrivals(6, 2.5), w.Arrivals);
        Assert.Equal(["chat", "batch", "listed"], w.Classes.Select(c => c.Name));
        Assert.Equal(0.5, w.Classes[0].Slo.TtftSeconds);
        Assert.Equal(0.1, w.Classes[0].Slo.TpotSeconds); // the preset's TPOT target stays
        Assert.Equal(Presets.Chat.Input, w.Classes[0].Input);
        Assert.Equal(new LogNormalLength(2000, 0.6, 100, 8000), w.Classes[1].Input);
        Assert.Equal(new Slo(10, 0.08), w.Classes[1].Slo);
        Assert.Equal(3, ((EmpiricalLength)w.Classes[2].Input).Values.Count);

        var records = new RecordList();
        var r = ServingSimulator.Run(Setups.Cluster(Setups.Replica()), w, new RunOptions { Seed = 3, Requests = 900 }, records);
        var perClass = records.Records.GroupBy(x => x.ClassName).ToDictionary(g => g.Key, g => g.Count());
        Assert.InRange(perClass["chat"], 540 - 60, 540 + 60); // weights 3 : 1 : 0.5 of 900
        Assert.InRange(perClass["listed"], 100 - 35, 100 + 35);
        Assert.Equal(3, r.Classes.Count);
        Assert.Equal(r.MetSlo, r.Classes.Sum(c => c.MetSlo));
    }

    [Fact]
    public void Workload_file_errors_name_line_and_field()
    {
        const string bad = """
            classes:
              - name: a
                input: {dist: lognormal, median: 100}
                output: {dist: fixed, value: 0}
                slo: {ttft: 5 GB}
              - name: b
                preset: chatt
            arrival: {process: poisson}
            """;
        var e = Assert.Throws<SpecException>(() => WorkloadFile.Parse("bad.yaml", bad));
        var text = e.Errors.Select(x => x.ToString()).ToArray();
        Assert.Contains(text, x => x.Contains("bad.yaml:3") && x.Contains("sigma"));
        Assert.Contains(text, x => x.Contains("bad.yaml:4") && x.Contains("value"));
        Assert.Contains(text, x => x.Contains("bad.yaml:5") && x.Contains("ttft"));
        Assert.Contains(text, x => x.Contains("bad.yaml:7") && x.Contains("chat"));
        Assert.Contains(text, x => x.Contains("bad.yaml:8") && x.Contains("rate"));
    }

    [Fact]
    public void Empirical_lengths_from_a_file_come_through_the_callers_loader()
    {
        const string text = """
            classes:
              - input: {dist: empirical, file: lengths.csv, column: prompt}
                output: {dist: fixed, value: 8}
            """;
        string? asked = null, column = null;
        var (w, given) = WorkloadFile.Parse("w.yaml", text, (p, c) => { asked = p; column = c; return [10, 20]; });
        Assert.False(given);
        Assert.Equal("lengths.csv", asked);
        Assert.Equal("prompt", column);
        Assert.Equal(15, w.Classes[0].Input.Mean);
    }
}
