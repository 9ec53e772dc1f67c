using System.CommandLine;
using ScottPlot;
using ScottPlot.Plottables;
using Simulator.Cli.Commands;
using Simulator.Core.Loading;
using Simulator.Planner;
using Simulator.Plotting;
using Simulator.Tests;

namespace Simulator.Cli.Tests;

/// <summary>Simulator.Cli.Output.PlanText.ParetoPlot: the chosen plan is marked, and each plan says whether the simulator checked it.</summary>
public class ParetoPlotTests
{
    private static (PlanRequest Req, PlanResult Result, bool Simulated) Plan(params string[] args)
    {
        var cmd = new Command("plan");
        var opts = new Simulator.Cli.Options.PlanOptions();
        opts.AddTo(cmd);
        var (built, _) = opts.Resolve(cmd.Parse(args), new SpecLibrary(RepoPaths.HardwareDir, RepoPaths.ModelsDir));
        var (result, req, _) = Simulator.Cli.Output.PlanText.Run(built);
        return (req, result, built.Workload is not null);
    }

    private static List<Coordinates> PointsWith(Plot plt, MarkerShape shape) =>
        plt.GetPlottables().OfType<Markers>().Where(m => m.MarkerShape == shape).SelectMany(m => m.Data.GetScatterPoints()).ToList();

    private static bool At(Coordinates c, Plan p) => Math.Abs(c.X - p.CostPerHour) < 1e-9 && Math.Abs(c.Y - p.PredictedTtftP90Seconds * 1e3) < 1e-6;

    [Fact]
    public void Simulated_planning_marks_the_chosen_plan_and_its_solver_plans_as_simulated()
    {
        var (req, result, simulated) = Plan("--model", "llama-3.1-8b", "--hardware", "h100-sxm,a100-80gb-sxm", "--rate", "5");
        Assert.True(simulated);
        var plt = Simulator.Cli.Output.PlanText.ParetoPlot(req, result);
        var chosen = result.Plans[0];
        var ring = Assert.Single(plt.GetPlottables().OfType<Marker>(), m => m.LegendText == ParetoChart.ChosenLegend);
        Assert.True(At(ring.Location, chosen));
        // The chosen plan was checked (solver plans always are; leading alternatives are re-checked).
        Assert.Contains(PointsWith(plt, ParetoChart.SimulatedShape), c => At(c, chosen));
        var all = result.Plans.Concat(result.Alternatives.Select(a => a.Plan)).ToList();
        foreach (var p in all.Where(p => p.Origin == PlanOrigin.Solver))
            Assert.Contains(PointsWith(plt, ParetoChart.SimulatedShape), c => At(c, p));
        foreach (var p in all.Concat(result.ParetoCostLatency).Where(p => p.Check == CheckMethod.Analytic))
            Assert.Contains(PointsWith(plt, ParetoChart.AnalyticShape), c => At(c, p));
    }

    [Fact]
    public void Analytic_planning_has_no_simulated_points()
    {
        var (req, result, simulated) = Plan("--model", "llama-3.1-8b", "--hardware", "h100-sxm", "--rate", "5", "--check", "analytic");
        Assert.False(simulated);
        var plt = Simulator.Cli.Output.PlanText.ParetoPlot(req, result);
        Assert.Empty(PointsWith(plt, ParetoChart.SimulatedShape));
        Assert.NotEmpty(PointsWith(plt, ParetoChart.AnalyticShape));
        Assert.Single(plt.GetPlottables().OfType<Marker>(), m => m.LegendText == ParetoChart.ChosenLegend);
    }
}
