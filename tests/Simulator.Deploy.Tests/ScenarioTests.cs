using Simulator.Core.Loading;
using Simulator.Deploy.Options;

namespace Simulator.Deploy.Tests;

/// <summary>Scenario files: shared keys, verb sections that override them, and errors with file, line and field.</summary>
public class ScenarioTests
{
    private static readonly string[] Verbs = ["plan", "simulate"];
    private static readonly HashSet<string> PlanOptions = ["model", "hardware", "rate", "ttft-slo", "price", "objective"];
    private static readonly HashSet<string> SimulateOptions = ["model", "hardware", "rate", "ttft-slo", "requests", "workload", "replicas"];

    private static IReadOnlyList<OptionEntry> For(ScenarioFile s, string verb)
    {
        var has = verb == "plan" ? PlanOptions : SimulateOptions;
        return s.For(verb, has.Contains, k => PlanOptions.Contains(k) || SimulateOptions.Contains(k), _ => has);
    }

    private const string Text = """
        name: chat-70b
        description: a test
        model: llama-3.1-70b
        hardware: [h100-sxm, a100-80gb-sxm]
        rate: 5
        ttft-slo: 500 ms
        price: {h100-sxm: 3 USD/h}
        objective: cost
        simulate:
          hardware: h100-sxm
          replicas: 2
          workload:
            classes:
              - {preset: chat}
        """;

    [Fact]
    public void Each_verb_gets_the_shared_options_it_has_and_its_own_section()
    {
        var s = ScenarioFile.Parse("sc.yaml", Text, Verbs);
        Assert.Equal("chat-70b", s.Name);
        var plan = For(s, "plan");
        Assert.Equal(["model", "hardware", "rate", "ttft-slo", "price", "objective"], plan.Select(e => e.Key));
        Assert.Equal("h100-sxm,a100-80gb-sxm", plan.Single(e => e.Key == "hardware").Value.Text);
        Assert.Equal("h100-sxm=3 USD/h", plan.Single(e => e.Key == "price").Value.Text);
        var sim = For(s, "simulate");
        // The section's hardware replaces the shared list; objective is plan's alone and is left out.
        Assert.Equal("h100-sxm", sim.Single(e => e.Key == "hardware").Value.Text);
        Assert.Equal(10, sim.Single(e => e.Key == "hardware").Line);
        Assert.DoesNotContain(sim, e => e.Key == "objective");
        // A nested workload is passed as a reference into the file.
        var w = sim.Single(e => e.Key == "workload");
        Assert.Equal((OptionValueKind.Reference, "sc.yaml#simulate.workload"), (w.Value.Kind, w.Value.Text));
    }

    [Fact]
    public void Unknown_keys_name_the_file_line_and_nearest_option()
    {
        var s = ScenarioFile.Parse("sc.yaml", "model: m\nrat: 5\nsimulate:\n  objective: cost\n", Verbs);
        var e = Assert.Throws<SpecException>(() => For(s, "simulate"));
        Assert.Contains("sc.yaml:2: rat: not an option of plan, simulate, report or day", e.Message);
        Assert.Contains("rate", e.Message);
        Assert.Contains("sc.yaml:4: simulate.objective: not an option of simulate", e.Message);
    }

    [Fact]
    public void Malformed_yaml_and_empty_values_are_reported_with_their_line()
    {
        var e = Assert.Throws<SpecException>(() => ScenarioFile.Parse("sc.yaml", "model: m\nrate:\n", Verbs));
        Assert.Contains("sc.yaml:2: rate: has no value", e.Message);
        var bad = Assert.Throws<SpecException>(() => ScenarioFile.Parse("sc.yaml", "model: [m\n", Verbs));
        Assert.Contains("sc.yaml:", bad.Message);
    }
}
