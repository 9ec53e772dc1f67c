using Simulator.Serving;
using Google.OrTools.Sat;

namespace Simulator.Planner;

/// <summary>One candidate the solver may buy copies of.</summary>
/// <param name="CapacityRps">Requests per second one copy serves within the SLOs.</param>
/// <param name="Role">Aggregated, or prefill/decode for a disaggregated plan.</param>
/// <param name="Quant">The quantization's name (plans keep one per device type when asked).</param>
/// <param name="TcoUsdPerDevice">Purchase plus running cost of one device over the TCO period at board power (an upper bound used to rank).</param>
public sealed record SolverItem(string Key, string DeviceType, int Devices, int DevicesPerNode, double CapacityRps, ReplicaRole Role, double HourlyUsdPerDevice,
    double PurchaseUsdPerDevice, double PowerWattsPerDevice, string Quant = "", double TcoUsdPerDevice = 0);

/// <summary>The solver's answer.</summary>
public sealed record SolverResult(string Status, IReadOnlyList<int> Counts, double Objective, IReadOnlyDictionary<string, int> NodesByType)
{
    public bool Feasible => Status is "Optimal" or "Feasible";
}

/// <summary>
/// Integer program for how many copies of each configuration to run: serve the demanded rate (for a
/// disaggregated plan, with the prefill pool and the decode pool each serving it) at the lowest hourly cost,
/// purchase cost, power, device count or total cost of ownership, within per-type and total device limits, whole
/// nodes, a power budget, a budget cap and (when asked) one quantization per device type. Solved with OR-Tools
/// CP-SAT on integers: capacities in milli-requests/s (rounded down), prices in cents (rounded up), power in watts.
/// Ties in the objective go to fewer devices, then to the lower hourly cost, so the answer is unique.
/// </summary>
public static class CountSolver
{
    public static SolverResult Solve(IReadOnlyList<SolverItem> items, double demandRps, Constraints limits, Objective objective, bool disaggregated,
        double timeLimitSeconds = 10)
    {
        var model = new CpModel();
        long demand = (long)Math.Ceiling(demandRps * 1000);
        long maxTotal = Math.Min(limits.MaxDevicesTotal, Constraints.MaxDevicesLimit);
        var n = new IntVar[items.Count];
        for (int i = 0; i < items.Count; i++)
        {
            var it = items[i];
            long cap = Math.Max(1, (long)Math.Floor(it.CapacityRps * 1000));
            long ub = Math.Min((demand + cap - 1) / cap, maxTotal / Math.Max(1, it.Devices));
            if (limits.MaxDevices.TryGetValue(it.DeviceType, out int perType)) ub = Math.Min(ub, perType / Math.Max(1, it.Devices));
            n[i] = model.NewIntVar(0, Math.Max(0, ub), $"n{i}");
        }
        long Cap(int i) => (long)Math.Floor(items[i].CapacityRps * 1000);
        var roles = disaggregated ? new[] { ReplicaRole.Prefill, ReplicaRole.Decode } : new[] { ReplicaRole.Aggregated };
        foreach (var role in roles)
        {
            var idx = Enumerable.Range(0, items.Count).Where(i => items[i].Role == role).ToArray();
            model.Add(LinearExpr.WeightedSum(idx.Select(i => n[i]), idx.Select(Cap)) >= demand);
        }
        foreach (var (i, it) in items.Select((x, i) => (i, x)))
            if (it.Role == ReplicaRole.Aggregated == disaggregated) model.Add(n[i] == 0);

        // One quantization per device type: a boolean per (type, quantization), at most one true per type.
        if (limits.OneQuantizationPerDeviceType)
        {
            foreach (var byType in Enumerable.Range(0, items.Count).GroupBy(i => items[i].DeviceType))
            {
                var byQuant = byType.GroupBy(i => items[i].Quant).ToList();
                if (byQuant.Count < 2) continue;
                var chosen = new List<BoolVar>();
                foreach (var g in byQuant)
                {
                    var b = model.NewBoolVar($"q_{byType.Key}_{g.Key}");
                    chosen.Add(b);
                    foreach (int i in g) model.Add(n[i] == 0).OnlyEnforceIf(b.Not());
                }
                model.AddAtMostOne(chosen);
            }
        }

        // Devices per type, rounded up to whole nodes when asked.
        var types = items.Select(x => x.DeviceType).Distinct().Order(StringComparer.Ordinal).ToList();
        var nodes = new Dictionary<string, IntVar>();
        var deviceExprs = new List<(string Type, LinearExpr Devices, IntVar? Nodes, int PerNode)>();
        foreach (var t in types)
        {
            var idx = Enumerable.Range(0, items.Count).Where(i => items[i].DeviceType == t).ToArray();
            var devices = LinearExpr.WeightedSum(idx.Select(i => n[i]), idx.Select(i => (long)items[i].Devices));
            int perNode = Math.Max(1, items[idx[0]].DevicesPerNode);
            long maxT = limits.MaxDevices.TryGetValue(t, out int m) ? Math.Min(m, maxTotal) : maxTotal;
            model.Add(devices <= maxT);
            IntVar? nodeVar = null;
            if (limits.WholeNodes)
            {
                nodeVar = model.NewIntVar(0, (maxT + perNode - 1) / perNode, $"nodes_{t}");
                model.Add(devices <= nodeVar * perNode);
                nodes[t] = nodeVar;
            }
            deviceExprs.Add((t, devices, nodeVar, perNode));
        }
        // Paid-for devices: whole nodes when asked, else the devices used.
        LinearExpr Paid(string t) { var e = deviceExprs.First(x => x.Type == t); return e.Nodes is { } nv ? nv * e.PerNode : e.Devices; }
        long Cents(double usd) => (long)Math.Ceiling(usd * 100);
        var first = types.ToDictionary(t => t, t => items.First(x => x.DeviceType == t));
        LinearExpr total = types.Count == 0 ? LinearExpr.Constant(0) : LinearExpr.Sum(types.Select(Paid));
        LinearExpr hourly = LinearExpr.Sum(types.Select(t => Paid(t) * Cents(first[t].HourlyUsdPerDevice)));
        LinearExpr purchase = LinearExpr.Sum(types.Select(t => Paid(t) * (long)Math.Ceiling(first[t].PurchaseUsdPerDevice)));
        LinearExpr power = LinearExpr.Sum(types.Select(t => Paid(t) * (long)Math.Ceiling(first[t].PowerWattsPerDevice)));
        LinearExpr tco = LinearExpr.Sum(types.Select(t => Paid(t) * (long)Math.Ceiling(first[t].TcoUsdPerDevice)));
        if (deviceExprs.Count > 0) model.Add(LinearExpr.Sum(deviceExprs.Select(e => e.Devices)) <= maxTotal);
        if (limits.PowerBudgetWatts < double.MaxValue) model.Add(power <= (long)Math.Floor(limits.PowerBudgetWatts));
        if (limits.BudgetUsdPerHour < double.MaxValue) model.Add(hourly <= (long)Math.Floor(limits.BudgetUsdPerHour * 100));
        var goal = objective switch
        {
            Objective.Cost => hourly,
            Objective.Purchase => purchase,
            Objective.Power => power,
            Objective.Tco => tco,
            _ => total,
        };
        // Ties broken by fewer devices, then by the hourly cost, so the answer is unique and reproducible.
        long bigM = 1_000_000;
        model.Minimize(goal * bigM + total * 1000 + (objective == Objective.Cost ? LinearExpr.Constant(0) : hourly));

        var solver = new CpSolver { StringParameters = $"max_time_in_seconds:{timeLimitSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture)} num_workers:1 random_seed:1" };
        var status = solver.Solve(model);
        string s = status.ToString();
        if (status is not (CpSolverStatus.Optimal or CpSolverStatus.Feasible))
            return new SolverResult(s, new int[items.Count], double.NaN, new Dictionary<string, int>());
        var counts = n.Select(v => (int)solver.Value(v)).ToArray();
        var nodeCounts = nodes.ToDictionary(kv => kv.Key, kv => (int)solver.Value(kv.Value));
        return new SolverResult(s, counts, ObjectiveValue(items, counts, objective, limits.WholeNodes), nodeCounts);
    }

    /// <summary>Devices paid for per device type: the devices used, rounded up to whole nodes when asked.</summary>
    public static int BilledDevices(IReadOnlyList<SolverItem> items, IReadOnlyList<int> counts, bool wholeNodes) =>
        Enumerable.Range(0, items.Count).GroupBy(i => items[i].DeviceType).Sum(g =>
        {
            int devices = g.Sum(i => counts[i] * items[i].Devices);
            int perNode = Math.Max(1, items[g.First()].DevicesPerNode);
            return wholeNodes ? (devices + perNode - 1) / perNode * perNode : devices;
        });

    /// <summary>The objective of given counts, computed directly (whole nodes charged when asked).</summary>
    public static double ObjectiveValue(IReadOnlyList<SolverItem> items, IReadOnlyList<int> counts, Objective objective, bool wholeNodes)
    {
        double sum = 0;
        foreach (var g in Enumerable.Range(0, items.Count).GroupBy(i => items[i].DeviceType))
        {
            int devices = g.Sum(i => counts[i] * items[i].Devices);
            int perNode = Math.Max(1, items[g.First()].DevicesPerNode);
            int paid = wholeNodes ? (devices + perNode - 1) / perNode * perNode : devices;
            var it = items[g.First()];
            sum += objective switch
            {
                Objective.Cost => paid * Math.Ceiling(it.HourlyUsdPerDevice * 100) / 100,
                Objective.Purchase => paid * Math.Ceiling(it.PurchaseUsdPerDevice),
                Objective.Power => paid * Math.Ceiling(it.PowerWattsPerDevice),
                Objective.Tco => paid * Math.Ceiling(it.TcoUsdPerDevice),
                _ => paid,
            };
        }
        return sum;
    }
}
