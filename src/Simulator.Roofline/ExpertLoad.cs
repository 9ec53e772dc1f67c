namespace Simulator.Roofline;

/// <summary>
/// How routed tokens spread over the expert-parallel ranks, which sets the busiest rank's share of the expert work and
/// of the token dispatch. Routing is never perfectly even: some experts are hot (DeepSeek-V3 report, section 3.4;
/// DeepSeek's EPLB), so the rank that holds them computes and receives more while the others wait at the combine.
/// Either give the imbalance directly (the busiest rank's tokens over the mean), or measured tokens per expert, from which
/// the busiest rank is worked out for the placement: contiguous blocks of experts per rank (what an engine does without
/// load balancing), or with <see cref="RedundantExperts"/> the EPLB placement (the hottest experts replicated, their load
/// shared between the copies, then replicas packed onto ranks heaviest first onto the least-loaded rank with a free slot).
/// </summary>
public sealed record ExpertLoad
{
    /// <summary>Busiest EP rank's routed tokens over the mean (1 = perfectly even; used when no per-expert loads are given).</summary>
    public double Imbalance { get; init; } = 1;

    /// <summary>Measured tokens (or shares) per routed expert, one per expert; null: use <see cref="Imbalance"/>.</summary>
    public IReadOnlyList<double>? ExpertTokens { get; init; }

    /// <summary>
    /// Redundant expert slots (EPLB): copies of hot experts spread over the ranks, so each rank holds (E + R) / EP experts.
    /// They take memory in any case; they change the busiest rank's load only with measured per-expert loads.
    /// </summary>
    public int RedundantExperts { get; init; }

    /// <summary>Even routing, no redundant experts.</summary>
    public static ExpertLoad Balanced { get; } = new();

    /// <summary>Whether anything departs from even routing without redundant experts.</summary>
    public bool IsBalanced => Imbalance == 1 && ExpertTokens is null && RedundantExperts == 0;

    /// <summary>Every reason the load cannot apply to a model with <paramref name="numExperts"/> routed experts (empty when it can).</summary>
    public List<string> Validate(int numExperts)
    {
        var e = new List<string>();
        if (!(Imbalance >= 1) || double.IsInfinity(Imbalance)) e.Add($"the expert imbalance must be a finite number of at least 1 (the busiest rank's tokens over the mean), not {Imbalance}.");
        if (RedundantExperts < 0) e.Add("redundant experts cannot be negative.");
        if (ExpertTokens is { } t)
        {
            if (t.Count != numExperts) e.Add($"{t.Count} per-expert loads given, but the model has {numExperts} routed experts.");
            if (t.Any(x => !(x >= 0) || double.IsInfinity(x))) e.Add("per-expert loads must be finite and not negative.");
            if (t.Count > 0 && t.All(x => x == 0)) e.Add("per-expert loads are all zero.");
        }
        return e;
    }

    /// <summary>
    /// The busiest rank's routed tokens over the mean rank's, for <paramref name="numExperts"/> experts on
    /// <paramref name="ep"/> ranks (1 at EP 1).
    /// </summary>
    public double BusiestRankFactor(int numExperts, int ep)
    {
        if (ep <= 1) return 1;
        if (ExpertTokens is not { Count: > 0 } loads || loads.Count != numExperts) return Imbalance;
        double total = loads.Sum();
        if (total <= 0) return 1;
        double mean = total / ep;
        var rank = new double[ep];
        if (RedundantExperts <= 0)
        {
            // Contiguous placement: experts 0 .. E/EP - 1 on rank 0, and so on (remainders to the first ranks).
            int per = (int)Math.Ceiling(numExperts / (double)ep);
            for (int i = 0; i < numExperts; i++) rank[Math.Min(ep - 1, i / per)] += loads[i];
            return rank.Max() / mean;
        }
        // EPLB: replicate the expert with the highest load per copy, R times; then pack copies heaviest first.
        var copies = new int[numExperts];
        Array.Fill(copies, 1);
        for (int r = 0; r < RedundantExperts; r++)
        {
            int hot = 0;
            for (int i = 1; i < numExperts; i++)
                if (loads[i] / copies[i] > loads[hot] / copies[hot]) hot = i;
            copies[hot]++;
        }
        var items = new List<double>(numExperts + RedundantExperts);
        for (int i = 0; i < numExperts; i++)
            for (int c = 0; c < copies[i]; c++) items.Add(loads[i] / copies[i]);
        items.Sort((a, b) => b.CompareTo(a));
        int slots = (int)Math.Ceiling(items.Count / (double)ep);
        var used = new int[ep];
        foreach (double w in items)
        {
            int best = -1;
            for (int k = 0; k < ep; k++)
                if (used[k] < slots && (best < 0 || rank[k] < rank[best])) best = k;
            rank[best] += w;
            used[best]++;
        }
        return rank.Max() / mean;
    }

    /// <summary>Experts one EP rank holds: ceil((E + R) / EP).</summary>
    public int ExpertsPerRank(int numExperts, int ep) => (int)Math.Ceiling((numExperts + (double)RedundantExperts) / Math.Max(1, ep));
}
