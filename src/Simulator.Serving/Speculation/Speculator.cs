using Simulator.Roofline;

namespace Simulator.Serving;

/// <summary>
/// A replica's speculative decoding: it draws how many tokens each verification emits (from the request's class's
/// acceptance model, else the replica's, on the replica's own seeded stream) and prices the drafter's work of a step
/// with the drafter's cost model: one pass over the step's prompt chunks and decodes, and k − 1 more over the decodes
/// (drafting is sequential: draft token i needs draft token i − 1). The target's verification is in the step's own
/// batch shape (<see cref="BatchShape.AddVerify"/>).
/// </summary>
internal sealed class Speculator
{
    private readonly CostModel? _draft;
    private readonly Random _rng;

    public Speculator(SpeculativeConfig config, Deployment target, Random rng)
    {
        Config = config;
        _rng = rng;
        if (config.DraftDeployment(target) is { } d)
        {
            _draft = new CostModel(d);
            Empty = BatchShape.For(d.Model);
        }
    }

    public SpeculativeConfig Config { get; }

    /// <summary>Whether drafting costs device time (not for n-gram lookup).</summary>
    public bool HasDrafter => _draft is not null;

    /// <summary>The drafter's empty batch shape (its sliding window or attention chunk set).</summary>
    public BatchShape Empty { get; } = BatchShape.Create();

    /// <summary>Verifications planned.</summary>
    public long Verifications { get; private set; }

    /// <summary>Draft tokens accepted over all verifications.</summary>
    public long AcceptedDrafts { get; private set; }

    /// <summary>Device seconds spent drafting (part of the steps' time).</summary>
    public double DraftSeconds { get; private set; }

    /// <summary>Tokens one verification of <paramref name="r"/> emits: 1 + accepted drafts.</summary>
    public int Sample(Request r, int k)
    {
        int n = (r.Acceptance ?? Config.Acceptance).Sample(_rng, k);
        Verifications++;
        AcceptedDrafts += n - 1;
        return n;
    }

    /// <summary>Seconds the drafter adds to the step <paramref name="s"/>.</summary>
    public double StepSeconds(Step s)
    {
        if (_draft is null) return 0;
        double t = s.DraftShape.Sequences > 0 ? _draft.StepSeconds(s.DraftShape) : 0;
        if (s.DraftDecodeShape.Sequences > 0) t += (Config.K - 1) * _draft.StepSeconds(s.DraftDecodeShape);
        DraftSeconds += t;
        return t;
    }
}
