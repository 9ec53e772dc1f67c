using Simulator.Core.Loading;
using Simulator.Deploy.Compare;

namespace Simulator.Deploy.Tests;

/// <summary>diff: figures side by side with their change and which is better, and the settings that changed.</summary>
public class CompareTests
{
    private static string Plan(double cost, int devices, double ttft, string hw) => $$"""
        {"model": "llama-3.1-70b", "rate": 5, "ttftSloSeconds": 1, "tpotSloSeconds": 0.05, "objective": "cost",
         "plans": [{"disaggregated": false, "replicas": [{"role": "aggregated", "hardware": "{{hw}}", "count": 2, "tp": 4, "pp": 1, "ep": 1,
           "quantization": "w4a16", "kvCacheDtype": "bf16", "maxBatch": 32}], "hardware": "{{hw}}", "ttftP90Seconds": {{ttft}}, "tpotP90Seconds": 0.03,
           "latencyFrom": "simulated", "goodput": 5, "capacityRequestsPerSecond": 6, "costPerHour": {{cost}}, "purchaseUsd": null, "powerWatts": 3200,
           "devices": {{devices}}, "billedDevices": 8, "meetsSlo": true, "tco": null}]}
        """;

    [Fact]
    public void Two_plans_side_by_side_with_changes_and_the_better_one()
    {
        var a = ResultReader.Read("a.json", Plan(22.32, 8, 0.37, "a100-80gb-sxm"));
        var b = ResultReader.Read("b.json", Plan(31.92, 8, 0.185, "h100-sxm"));
        var d = ResultDiff.Compare(a, b);
        var cost = d.Metrics.Single(m => m.Name == "costPerHour");
        // (31.92 - 22.32) / 22.32 = +43.0%; lower cost is better, so A.
        Assert.Equal(9.6, cost.Difference!.Value, 9);
        Assert.Equal(0.43011, cost.Relative!.Value, 4);
        Assert.Equal("a", cost.Better);
        var ttft = d.Metrics.Single(m => m.Name == "ttftP90");
        Assert.Equal(-0.5, ttft.Relative!.Value, 9);
        Assert.Equal("b", ttft.Better);
        Assert.Equal("same", d.Metrics.Single(m => m.Name == "devices").Better);
        Assert.Equal("", d.Metrics.Single(m => m.Name == "purchase").Better);   // null on both sides
        Assert.Equal(["plan", "hardware"], d.Changed.Select(c => c.Field));
        Assert.Equal("B against A: costPerHour +43%, devices 8 -> 8, ttftP90 -50%, tpotP90 +0%, goodput +0%; changed: plan, hardware", d.Summary);
    }

    [Fact]
    public void Results_of_different_kinds_are_not_compared()
    {
        var plan = ResultReader.Read("a.json", Plan(1, 1, 0.1, "h100-sxm"));
        var est = ResultReader.Read("e.json", """{"model":"m","hardware":"h","quantization":"bf16","tp":1,"pp":1,"ep":1,"devices":1,"batch":1,"inputTokens":1,"outputTokens":1,"ttftSeconds":0.1,"tpotSeconds":0.01,"e2eSeconds":1,"tokensPerSecond":1,"fits":true}""");
        Assert.Equal(ResultKind.Estimate, est.Kind);
        var e = Assert.Throws<ArgumentException>(() => ResultDiff.Compare(plan, est));
        Assert.Contains("a.json is a plan and e.json is an estimate", e.Message);
    }

    [Fact]
    public void Files_that_are_not_results_say_why()
    {
        Assert.Contains("not valid JSON", Assert.Throws<SpecException>(() => ResultReader.Read("x.json", "{")).Message);
        Assert.Contains("a list of results", Assert.Throws<SpecException>(() => ResultReader.Read("x.json", "[]")).Message);
        Assert.Contains("not a result diff knows", Assert.Throws<SpecException>(() => ResultReader.Read("x.json", "{\"a\":1}")).Message);
        Assert.Contains("no plan #3", Assert.Throws<SpecException>(() => ResultReader.Read("x.json", Plan(1, 1, 0.1, "h"), 2)).Message);
    }
}
