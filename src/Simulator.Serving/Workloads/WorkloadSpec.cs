using System.Globalization;

namespace Simulator.Serving;

/// <summary>Latency targets of a request class; NaN means no target.</summary>
/// <param name="TtftSeconds">Time to first token target.</param>
/// <param name="TpotSeconds">Time per output token target (mean over the request's decode steps).</param>
public readonly record struct Slo(double TtftSeconds, double TpotSeconds)
{
    public static Slo None { get; } = new(double.NaN, double.NaN);

    /// <summary>Whether any target is set.</summary>
    public bool Any => !double.IsNaN(TtftSeconds) || !double.IsNaN(TpotSeconds);

    /// <summary>Whether a request with this TTFT and TPOT (NaN TPOT: a single output token) meets every target.</summary>
    public bool Met(double ttft, double tpot) =>
        (double.IsNaN(TtftSeconds) || ttft <= TtftSeconds) && (double.IsNaN(TpotSeconds) || double.IsNaN(tpot) || tpot <= TpotSeconds);

    public override string ToString()
    {
        static string S(double v) => double.IsNaN(v) ? "-" : (v * 1e3).ToString("0.###", CultureInfo.InvariantCulture) + " ms";
        return $"TTFT {S(TtftSeconds)}, TPOT {S(TpotSeconds)}";
    }
}

/// <summary>A kind of request with its share of traffic, its length distributions and its latency targets.</summary>
public sealed record RequestClass(string Name, double Weight, LengthDistribution Input, LengthDistribution Output, Slo Slo)
{
    /// <summary>A prompt prefix its requests share (a system prompt, few-shot templates); null: none.</summary>
    public SharedPrefix? Prefix { get; init; }

    /// <summary>Multi-turn sessions: each arrival starts a conversation whose later turns resend it; null: single requests.</summary>
    public SessionSpec? Session { get; init; }

    /// <summary>Speculative-decoding acceptance of this class's text (null: the replica's setting).</summary>
    public AcceptanceModel? Acceptance { get; init; }

    /// <summary>
    /// Mean prompt tokens a request of this class finds in the prefix cache when the cache holds every prefix: the whole
    /// blocks of its shared prefix (<paramref name="blockSize"/> tokens each), and for turn t &gt; 1 of a session the whole
    /// blocks of the conversation before it (the earlier prompts and outputs, less the last output token, whose K/V is
    /// never computed: on average half a block fewer). Averaged over the turns of a session of the mean length. An upper
    /// bound (nothing evicted, nothing arriving before its prefix is computed), used by the planner's analytic model.
    /// </summary>
    public double MeanCachedTokens(int blockSize)
    {
        double first = Prefix is { } p ? Math.Floor((double)p.Tokens / blockSize) * blockSize : 0;
        if (Session is not { } s || s.Turns.Mean <= 1) return first;
        double t = s.Turns.Mean, o = Output.Mean, m = Input.Mean;
        // History before turn t: P1 + O - 1 + (t - 2)(O + m); summed over t = 2..T.
        double later = (t - 1) * (FirstPromptTokens + o - 1 - blockSize / 2.0) + (t - 1) * (t - 2) / 2 * (o + m);
        return (first + Math.Max(0, later)) / t;
    }

    /// <summary>Mean prompt tokens of a request of this class (for sessions: averaged over the turns, each resending the conversation so far).</summary>
    public double MeanPromptTokens
    {
        get
        {
            if (Session is not { } s || s.Turns.Mean <= 1) return FirstPromptTokens;
            double t = s.Turns.Mean;
            return FirstPromptTokens + (t - 1) / 2 * (Output.Mean + Input.Mean);
        }
    }

    /// <summary>Mean prompt of a first turn (or single request): the input length, at least the shared prefix plus one token.</summary>
    private double FirstPromptTokens => Math.Max(Input.Mean, Prefix is { } p ? p.Tokens + 1 : 0);

    /// <summary>Requests per arrival: the mean turns of a session, else 1.</summary>
    public double RequestsPerArrival => Session is { } s ? Math.Max(1, s.Turns.Mean) : 1;
}

/// <summary>
/// A prompt prefix shared by requests: every request of the class starts with one of <paramref name="Templates"/>
/// prefixes of <paramref name="Tokens"/> tokens (one: a system prompt; several: few-shot templates, picked uniformly),
/// counted inside its prompt length (a prompt is never shorter than its prefix plus one token). Classes naming the same
/// <paramref name="Group"/> share the same prefixes.
/// </summary>
public sealed record SharedPrefix(int Tokens, int Templates, string Group)
{
    /// <summary>Such as "shared prefix 2000 tokens" or "4 templates of 1500 tokens".</summary>
    public string Describe() => Templates == 1 ? $"shared prefix {Tokens} tokens" : $"{Templates} prefix templates of {Tokens} tokens";
}

/// <summary>
/// Multi-turn conversations: an arrival starts a session of <paramref name="Turns"/> turns; after each turn's last token
/// the user thinks (exponential, mean <paramref name="ThinkTimeSeconds"/>) and sends the next, whose prompt is the whole
/// conversation so far (every earlier prompt and output) plus a new message drawn from the class's input lengths.
/// </summary>
public sealed record SessionSpec(LengthDistribution Turns, double ThinkTimeSeconds)
{
    /// <summary>Such as "sessions of uniform 2..8 turns, think 5 s".</summary>
    public string Describe() => $"sessions of {Turns.Describe()} turns, think {Core.Units.Format.Seconds(ThinkTimeSeconds)}";
}

/// <summary>
/// Traffic offered to the cluster: request classes (chosen by weight for each synthetic arrival) and an arrival
/// process. A trace brings its own lengths; its requests belong to the first class (for SLOs).
/// </summary>
public sealed record WorkloadSpec(string Name, IReadOnlyList<RequestClass> Classes, ArrivalProcess Arrivals)
{
    /// <summary>The same workload with every class's SLO replaced where the given targets are set.</summary>
    public WorkloadSpec WithSlo(double ttftSeconds, double tpotSeconds) => this with
    {
        Classes = Classes.Select(c => c with
        {
            Slo = new Slo(double.IsNaN(ttftSeconds) ? c.Slo.TtftSeconds : ttftSeconds, double.IsNaN(tpotSeconds) ? c.Slo.TpotSeconds : tpotSeconds),
        }).ToArray(),
    };

    /// <summary>The same workload with fixed prompt and/or output lengths for every class (0: keep).</summary>
    public WorkloadSpec WithFixedLengths(int inputTokens, int outputTokens) => this with
    {
        Classes = Classes.Select(c => c with
        {
            Input = inputTokens > 0 ? new FixedLength(inputTokens) : c.Input,
            Output = outputTokens > 0 ? new FixedLength(outputTokens) : c.Output,
        }).ToArray(),
    };

    /// <summary>The same workload with another arrival process.</summary>
    public WorkloadSpec WithArrivals(ArrivalProcess arrivals) => this with { Arrivals = arrivals };

    /// <summary>Name of the prefix group every request shares under <see cref="WithSharedPrefix"/>.</summary>
    public const string SharedPrefixGroup = "shared";

    /// <summary>The same workload with every request starting with one <paramref name="tokens"/>-token system prompt (one group for all classes).</summary>
    public WorkloadSpec WithSharedPrefix(int tokens) => this with
    {
        Classes = Classes.Select(c => c with { Prefix = new SharedPrefix(tokens, 1, SharedPrefixGroup) }).ToArray(),
    };

    /// <summary>Whether some class shares a prefix, runs sessions, or the trace names sessions or prefix groups.</summary>
    public bool HasSharedPrefixes => Classes.Any(c => c.Prefix is not null || c.Session is not null) || (Arrivals is TraceArrivals t && t.Trace.HasPrefixColumns);

    /// <summary>Mean prompt tokens found cached per request when the cache holds every prefix (request-weighted; see <see cref="RequestClass.MeanCachedTokens"/>).</summary>
    public double MeanCachedTokens(int blockSize) => Arrivals is TraceArrivals ? 0 : Weighted(c => c.MeanCachedTokens(blockSize));

    /// <summary>Mean prompt tokens per request over classes, weighted by their share of requests (a session's later turns resend the conversation).</summary>
    public double MeanInputTokens => Arrivals is TraceArrivals t ? t.Trace.MeanInputTokens : Weighted(c => c.MeanPromptTokens);

    /// <summary>Mean output tokens per request over classes, weighted by their share of requests.</summary>
    public double MeanOutputTokens => Arrivals is TraceArrivals t ? t.Trace.MeanOutputTokens : Weighted(c => c.Output.Mean);

    /// <summary>Requests per arrival (sessions bring several), averaged over classes by weight.</summary>
    public double RequestsPerArrival => Classes.Sum(c => c.Weight * c.RequestsPerArrival) / Classes.Sum(c => c.Weight);

    /// <summary>A mean over classes weighted by each class's share of requests (its weight times its requests per arrival).</summary>
    private double Weighted(Func<RequestClass, double> f)
    {
        double w = Classes.Sum(c => c.Weight * c.RequestsPerArrival);
        return Classes.Sum(c => c.Weight * c.RequestsPerArrival * f(c)) / w;
    }
}
