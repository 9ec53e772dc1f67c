using Simulator.Serving;
using Simulator.Planner;

namespace Simulator.Planner.Tests;

/// <summary>CP-SAT's optimum against exhaustive enumeration of every count combination.</summary>
public class CountSolverTests
{
    private static Constraints Limits(int maxDevices = 64, bool whole = true, double power = double.MaxValue, double budget = double.MaxValue, Dictionary<string, int>? inventory = null) =>
        new(new Dictionary<string, double>(), inventory ?? new Dictionary<string, int>(), maxDevices, whole, power, budget);

    private static double BruteForce(IReadOnlyList<SolverItem> items, double demand, Constraints limits, Objective objective, bool disaggregated)
    {
        double best = double.PositiveInfinity;
        int k = items.Count;
        var counts = new int[k];
        int maxEach = 12;
        void Recurse(int i)
        {
            if (i == k)
            {
                foreach (var role in disaggregated ? new[] { ReplicaRole.Prefill, ReplicaRole.Decode } : [ReplicaRole.Aggregated])
                    if (Enumerable.Range(0, k).Where(j => items[j].Role == role).Sum(j => Math.Floor(items[j].CapacityRps * 1000) * counts[j]) < Math.Ceiling(demand * 1000)) return;
                if (Enumerable.Range(0, k).Any(j => counts[j] > 0 && (items[j].Role == ReplicaRole.Aggregated) == disaggregated)) return;
                int total = 0;
                foreach (var g in Enumerable.Range(0, k).GroupBy(j => items[j].DeviceType))
                {
                    int dev = g.Sum(j => counts[j] * items[j].Devices);
                    total += dev;
                    int maxT = limits.MaxDevices.TryGetValue(g.Key, out int m) ? m : limits.MaxDevicesTotal;
                    if (dev > maxT) return;
                }
                if (total > limits.MaxDevicesTotal) return;
                if (CountSolver.ObjectiveValue(items, counts, Objective.Power, limits.WholeNodes) > limits.PowerBudgetWatts) return;
                if (CountSolver.ObjectiveValue(items, counts, Objective.Cost, limits.WholeNodes) > limits.BudgetUsdPerHour) return;
                best = Math.Min(best, CountSolver.ObjectiveValue(items, counts, objective, limits.WholeNodes));
                return;
            }
            for (int c = 0; c <= maxEach; c++) { counts[i] = c; Recurse(i + 1); }
        }
        Recurse(0);
        return best;
    }

    public static IEnumerable<object[]> Seeds() => Enumerable.Range(1, 12).Select(i => new object[] { i });

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Optimum_equals_brute_force_on_small_random_instances(int seed)
    {
        var rng = new Random(seed);
        string[] types = ["a", "b"];
        bool dis = seed % 3 == 0;
        var items = new List<SolverItem>();
        for (int i = 0; i < 3; i++)
        {
            string t = types[rng.Next(2)];
            int devices = new[] { 1, 2, 4 }[rng.Next(3)];
            var role = dis ? (i % 2 == 0 ? ReplicaRole.Prefill : ReplicaRole.Decode) : ReplicaRole.Aggregated;
            items.Add(new SolverItem($"c{i}", t, devices, t == "a" ? 8 : 4, 0.5 + rng.NextDouble() * 3, role, t == "a" ? 2.5 : 1.2, t == "a" ? 30000 : 12000, t == "a" ? 700 : 300));
        }
        double demand = 1 + rng.NextDouble() * 8;
        var objective = (Objective)(seed % 4);
        var limits = Limits(maxDevices: 32, whole: seed % 2 == 0);
        var r = CountSolver.Solve(items, demand, limits, objective, dis);
        double brute = BruteForce(items, demand, limits, objective, dis);
        if (double.IsPositiveInfinity(brute)) Assert.False(r.Feasible);
        else
        {
            Assert.True(r.Feasible, r.Status);
            Assert.Equal(brute, r.Objective, 6);
        }
    }

    [Fact]
    public void Power_budget_and_inventory_are_respected()
    {
        var items = new List<SolverItem>
        {
            new("cheap-hot", "a", 1, 1, 1.0, ReplicaRole.Aggregated, 1.0, 0, 1000),
            new("dear-cool", "b", 1, 1, 1.0, ReplicaRole.Aggregated, 3.0, 0, 100),
        };
        // 4 req/s; a is cheaper but 4 x 1000 W exceeds a 2,500 W budget: at most 2 of a.
        var r = CountSolver.Solve(items, 4, Limits(power: 2500, whole: false), Objective.Cost, false);
        Assert.True(r.Feasible);
        Assert.Equal(new[] { 2, 2 }, r.Counts);
        // Inventory of 1 for type a.
        var r2 = CountSolver.Solve(items, 4, Limits(whole: false, inventory: new() { ["a"] = 1 }), Objective.Cost, false);
        Assert.Equal(new[] { 1, 3 }, r2.Counts);
    }
}
