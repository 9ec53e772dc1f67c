using Simulator.Core.Loading;
using Simulator.Tests;

namespace Simulator.Validation.Tests;

/// <summary>Serving runs simulated with their recorded setup, and the engine calibration's held-out guard.</summary>
public class ServingValidationTests
{
    private static readonly SpecLibrary Lib = new(RepoPaths.HardwareDir, RepoPaths.ModelsDir);
    private static readonly EngineLibrary Engines = new(RepoPaths.EnginesDir);

    private static ServingValidator Validator(int maxRequests = 400) => new(Lib, Engines, new DeviceResolver(Lib), new ServingValidationOptions { MaxRequests = maxRequests });

    private static List<ServingRecord> Published(Func<ServingRecord, bool> keep) =>
        ServingFiles.Read(Path.Combine(RepoPaths.Root, "validation", "measured", "published", "serving", "trtllm-engine.csv")).Records.Concat(ServingFiles.Read(Path.Combine(RepoPaths.Root, "validation", "measured", "published", "serving", "trtllm-pytorch.csv")).Records).Where(keep).ToList();

    [Fact]
    public void Online_runs_are_placed_on_the_load_scale_by_the_max_load_run_of_the_same_setup()
    {
        // TensorRT-LLM 0.14 online table, Llama-3.1-8B on one H100, 467/256 tokens: QPS 2..32 and INF (37 req/s measured).
        var runs = Published(r => r.Setup.Model == "llama-3.1-8b" && r.Setup.Device == "h100-sxm" && r.Setup.InputTokens == 467 && r.Setup.OutputTokens == 256);
        Assert.Equal(6, runs.Count);
        var c = Validator().Compare(runs);
        Assert.All(c, x => Assert.Null(x.Skipped));
        Assert.All(c, x => Assert.StartsWith("trtllm@0.14", x.Profile)); // the TensorRT-engine flow's own profile
        var ttft = c.Where(x => x.Metric == "ttft_mean").OrderBy(x => x.Record.Setup.RequestRate).ToList();
        // QPS 2 of 37/s is 5% of capacity; QPS 16 is 43%; QPS 32 is 86%.
        Assert.Equal(ServingRegime.LowLoad, ttft[0].Regime);
        Assert.Equal(0.054, ttft[0].LoadFraction, 2);
        Assert.Equal(ServingRegime.MediumLoad, ttft[3].Regime);
        Assert.Equal(ServingRegime.HighLoad, ttft[4].Regime);
        Assert.Equal(ServingRegime.MaxLoadLatency, ttft[5].Regime);
        // Sent all at once to a Triton server: client-limited, reported apart from the engine's own max-load throughput.
        Assert.Contains(c, x => x.Regime == ServingRegime.ServedMaxLoadThroughput && x.Metric == "output_throughput");
        Assert.DoesNotContain(c, x => x.Regime == ServingRegime.MaxLoadThroughput);
        Assert.All(c, x => Assert.False(x.HeldOut));
    }

    [Fact]
    public void The_h200_runs_are_the_held_out_part()
    {
        var runs = Published(_ => true);
        Assert.All(runs.Where(r => r.Setup.Device == "h200-sxm"), r => Assert.True(ServingValidator.IsHeldOut(r.Setup)));
        Assert.All(runs.Where(r => r.Setup.Device != "h200-sxm"), r => Assert.False(ServingValidator.IsHeldOut(r.Setup)));
        var (fit, held, how) = EngineCalibrator.Split(runs);
        Assert.Contains("h200-sxm", how);
        Assert.Equal(runs.Count, fit.Count + held.Count);
    }

    /// <summary>Small runs whose "measured" values are the base profile's own predictions scaled by a factor per part.</summary>
    private static List<ServingRecord> Synthetic(double fitFactor, double heldFactor)
    {
        var v = Validator(200);
        var list = new List<ServingRecord>();
        int line = 1;
        foreach (var device in new[] { "h100-sxm", "h200-sxm" })
            foreach (var (isl, osl) in new[] { (128, 32), (512, 64), (256, 128) })
            {
                var setup = new ServingSetup
                {
                    Engine = "trtllm", EngineVersion = "1.0", Offline = true, Device = device, Model = "llama-3.1-8b", Dtype = "fp8", Tp = 1,
                    Load = ServingLoad.MaxThroughput, InputTokens = isl, OutputTokens = osl, NumPrompts = 200,
                };
                var probe = new ServingRecord("synthetic.csv", line++, "csv", setup, [new ServingMetric("output_throughput", 1)], "synthetic");
                double predicted = v.Compare(probe).Single().Predicted!.Value;
                double factor = device == "h200-sxm" ? heldFactor : fitFactor;
                list.Add(probe with { Metrics = [new ServingMetric("output_throughput", predicted * factor)] });
            }
        return list;
    }

    [Fact]
    public void A_fit_that_improves_the_held_out_runs_is_kept()
    {
        var runs = Synthetic(0.8, 0.8);
        var cal = new EngineCalibrator(Validator(200), Engines.Get("trtllm@1.0"), maxRequestsDuringFit: 200).Fit(runs, "synthetic");
        Assert.True(cal.Kept, cal.Reason);
        Assert.True(EngineCalibrator.Objective(cal.HeldOutAfter) < EngineCalibrator.Objective(cal.HeldOutBefore));
        Assert.NotNull(cal.Profile.Calibration);
    }

    [Fact]
    public void A_fit_that_does_not_improve_the_held_out_runs_is_refused()
    {
        // The fitted part says "slower", the held-out part "faster": whatever the fit learns makes the held-out runs worse.
        var runs = Synthetic(0.8, 1.25);
        var baseProfile = Engines.Get("trtllm@1.0");
        var cal = new EngineCalibrator(Validator(200), baseProfile, maxRequestsDuringFit: 200).Fit(runs, "synthetic");
        Assert.False(cal.Kept);
        Assert.StartsWith("refused", cal.Reason);
        Assert.Same(baseProfile, cal.Profile);
    }
}
