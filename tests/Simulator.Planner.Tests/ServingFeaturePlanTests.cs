using Simulator.Core.Loading;
using Simulator.Serving;
using Simulator.Tests;

namespace Simulator.Planner.Tests;

/// <summary>The planner with prefix caching, speculative decoding and several request classes: it picks them where they lower the cost and says why.</summary>
public class ServingFeaturePlanTests
{
    private static readonly SpecLibrary Lib = new(RepoPaths.HardwareDir, RepoPaths.ModelsDir);

    private static PlanInputs Inputs(string model, double? rate, bool simulate = false) => new()
    {
        Model = Lib.Model(model),
        Hardware = [new HardwareOption(Lib.Hardware("h100-sxm"), Lib.DefaultCluster(Lib.Hardware("h100-sxm")))],
        Rate = rate,
        WholeNodes = false,
        Simulate = simulate,
        Top = 3,
    };

    private static PlanResult Run(PlanInputs x) => PlanRequestBuilder.Run(PlanRequestBuilder.Build(x)).Result;

    [Fact]
    public void Prefix_caching_lowers_the_cost_of_a_shared_system_prompt_and_the_plan_says_so()
    {
        // Llama-3.1-70B at 10 req/s, every prompt a 3,000-token system prompt + a 300-token question, 250 output tokens,
        // TTFT 1 s, TPOT 40 ms. With caching each prefill computes the question after 2,992 cached tokens (187 whole blocks).
        var x = Inputs("llama-3.1-70b", 10, simulate: true) with
        {
            SharedPrefixTokens = 3000, InputTokens = 3300, OutputTokens = 250, TtftSloSeconds = 1, TpotSloSeconds = 0.04,
        };
        var built = PlanRequestBuilder.Build(x);
        Assert.Equal(2992, built.Request.Demand.MeanCachedTokens);
        Assert.Contains(built.Defaults, d => d.Contains("prefix caching considered on and off"));
        var auto = PlanRequestBuilder.Run(built).Result;
        var off = Run(x with { PrefixCaching = PrefixCachingMode.Off });
        var best = auto.Plans[0];
        Assert.True(best.MeetsSlo);
        Assert.Contains(best.Items, i => i.Capacity.Config.PrefixCaching);
        Assert.Contains("prefix caching on", best.FeatureChoice);
        Assert.All(off.Plans[0].Items, i => Assert.False(i.Capacity.Config.PrefixCaching));
        Assert.True(best.CostPerHour < 0.5 * off.Plans[0].CostPerHour, $"{best.CostPerHour} vs {off.Plans[0].CostPerHour}");
        Assert.Null(off.Plans[0].FeatureChoice);
    }

    [Fact]
    public void Speculative_decoding_wins_for_a_tight_tpot_at_low_rate_and_loses_at_high_rate()
    {
        // Llama-3.1-70B, chat lengths, TPOT 12 ms at 2 req/s: a plain decode step of 70B on two H100s in fp8 (35 GB of
        // weights per device) takes longer than 12 ms, so only wide TP meets it; drafting with Llama-3.2-1B (k = 4,
        // acceptance 0.8: 3.36 tokens per step) meets it on two devices.
        var spec = new SpeculativeConfig(SpeculativeMethod.Draft, 4, AcceptanceModel.Constant(0.8)) { DraftModel = Lib.Model("llama-3.2-1b") };
        var low = Inputs("llama-3.1-70b", 2, simulate: true) with { TtftSloSeconds = 1, TpotSloSeconds = 0.012 };
        var without = Run(low);
        var with = Run(low with { Speculative = spec });
        Assert.True(with.Plans[0].CostPerHour <= 0.5 * without.Plans[0].CostPerHour + 1e-9, $"{with.Plans[0].CostPerHour} vs {without.Plans[0].CostPerHour}");
        Assert.All(with.Plans[0].Items, i => Assert.NotNull(i.Capacity.Config.Speculative));
        Assert.Contains("speculative decoding on", with.Plans[0].FeatureChoice);

        // Llama-3.1-8B at 60 req/s with a loose TPOT: batches are large; an aggregated replica serves less with
        // speculation than without, so the plan's aggregated replicas run without it and say why.
        var high = Inputs("llama-3.1-8b", 60) with { TpotSloSeconds = 0.05, AllowDisaggregation = false, Speculative = new SpeculativeConfig(SpeculativeMethod.Draft, 4, AcceptanceModel.Constant(0.7)) { DraftModel = Lib.Model("llama-3.2-1b") } };
        var plan = Run(high).Plans[0];
        Assert.All(plan.Items, i => Assert.Null(i.Capacity.Config.Speculative));
        Assert.Contains("speculative decoding off", plan.FeatureChoice);
        var caps = Run(high).Capacities.Where(c => c.Usable && c.Config.MaxBatch == 256 && c.Config.Quant.Name == "fp8" && c.Config.Parallelism.Tp == 1 && c.Config.Parallelism.Pp == 1).ToList();
        Assert.True(caps.Single(c => c.Config.Speculative is null).RequestsPerSecond > caps.Single(c => c.Config.Speculative is not null).RequestsPerSecond);
    }

    private const string TwoClasses = """
        name: two-classes
        classes:
          - name: chat
            rate: 6
            preset: chat
            prefix: {tokens: 1500}
            slo: {ttft: 500 ms, tpot: 50 ms}
          - name: batch
            rate: 1
            input: {dist: uniform, min: 4000, max: 8000}
            output: {dist: uniform, min: 200, max: 600}
            slo: {ttft: 20 s, tpot: 100 ms}
        """;

    [Fact]
    public void A_workload_file_with_two_classes_plans_one_cluster_and_checks_each_class_against_its_own_targets()
    {
        var (w, _) = WorkloadFile.Parse("two.yaml", TwoClasses);
        var x = Inputs("llama-3.1-8b", null, simulate: true) with { WorkloadFile = w, WorkloadFileName = "two.yaml" };
        var built = PlanRequestBuilder.Build(x);
        // 6 + 1 requests/s from the classes' rates; the analytic ranking uses the tightest targets.
        Assert.Equal(7, built.Request.Demand.RequestsPerSecond, 12);
        Assert.Equal(new Slo(0.5, 0.05), built.Request.Slo);
        Assert.Equal(2, built.Request.Classes.Count);
        var result = PlanRequestBuilder.Run(built).Result;
        var best = result.Plans[0];
        Assert.True(best.MeetsSlo);
        Assert.Equal(["chat", "batch"], best.Classes.Select(c => c.Name));
        Assert.All(best.Classes, c => Assert.True(c.Meets && c.TtftP90Seconds <= c.Slo.TtftSeconds && c.TpotP90Seconds <= c.Slo.TpotSeconds));
        Assert.Equal(new Slo(20, 0.1), best.Classes[1].Slo);
        // The chat class shares a 1,500-token system prompt: caching is considered, and chosen.
        Assert.Contains(best.Items, i => i.Capacity.Config.PrefixCaching);
    }

    [Fact]
    public void A_class_that_misses_its_own_target_fails_the_plan_even_when_the_others_pass()
    {
        // One cluster, the batch class's TTFT target made impossible (1 ms for prompts of 4,000+ tokens): every plan fails
        // its check on that class alone.
        var (w, _) = WorkloadFile.Parse("two.yaml", TwoClasses.Replace("slo: {ttft: 20 s, tpot: 100 ms}", "slo: {ttft: 1 ms, tpot: 100 ms}"));
        var x = Inputs("llama-3.1-8b", null, simulate: true) with { WorkloadFile = w, WorkloadFileName = "two.yaml", Top = 1 };
        PlanResult? r = null;
        try { r = Run(x); }
        catch (InfeasibleException) { return; } // the analytic model already rules it out: also right
        Assert.False(r.Plans[0].MeetsSlo);
        var batch = r.Plans[0].Classes.Single(c => c.Name == "batch");
        Assert.False(batch.Meets);
    }

    [Fact]
    public void Plans_without_features_are_unchanged()
    {
        // Nothing asked, no shared prefixes: no configuration runs a feature and no plan reports one.
        var r = Run(Inputs("llama-3.1-8b", 5));
        Assert.All(r.Capacities, c => Assert.False(c.Config.PrefixCaching || c.Config.Speculative is not null));
        Assert.All(r.Plans, p => Assert.Null(p.FeatureChoice));
    }
}
