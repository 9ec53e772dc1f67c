namespace Simulator.Serving;

/// <summary>
/// Folds request records into summary statistics as they stream past: exact latency percentiles from one double
/// per request per metric, inter-token latency in a bounded histogram, counters for the rest. Records themselves
/// are forwarded to the caller's sink and not kept.
/// </summary>
internal sealed class MetricsCollector(IReadOnlyList<RequestClass> classes, IRequestSink? sink)
{
    private readonly string[] _classNames = classes.Select(c => c.Name).ToArray();
    private readonly long[] _classRequests = new long[classes.Count], _classCompleted = new long[classes.Count], _classMet = new long[classes.Count];
    private readonly Dictionary<string, long> _rejectReasons = new(StringComparer.Ordinal);
    // Per-class latencies, kept only when there are several classes (one class: the totals are its own).
    private readonly Samples[]? _classTtft = classes.Count > 1 ? classes.Select(_ => new Samples()).ToArray() : null;
    private readonly Samples[]? _classTpot = classes.Count > 1 ? classes.Select(_ => new Samples()).ToArray() : null;

    public Samples Ttft { get; } = new();
    public Samples Tpot { get; } = new();
    public Samples E2e { get; } = new();
    public Samples QueueDelay { get; } = new();
    public LogHistogram Itl { get; } = new();

    public long Arrived { get; private set; }
    public long Completed { get; private set; }
    public long Rejected { get; private set; }
    public long MetSlo { get; private set; }
    public long InputTokens { get; private set; }
    public long OutputTokens { get; private set; }
    public long PreemptedRequests { get; private set; }
    public long Transfers { get; private set; }
    public double TransferSeconds { get; private set; }
    public double TransferBytes { get; private set; }
    public double LastCompletion { get; private set; }

    public string ClassName(int index) => _classNames[index];

    public void OnArrival() => Arrived++;

    public void OnInterTokenLatency(double seconds) => Itl.Add(seconds);

    public void OnTransfer(double seconds, double bytes)
    {
        Transfers++;
        TransferSeconds += seconds;
        TransferBytes += bytes;
    }

    public void OnFinished(in RequestRecord r, int classIndex)
    {
        _classRequests[classIndex]++;
        if (r.Completed)
        {
            Completed++;
            _classCompleted[classIndex]++;
            Ttft.Add(r.Ttft);
            Tpot.Add(r.Tpot);
            if (_classTtft is not null)
            {
                _classTtft[classIndex].Add(r.Ttft);
                _classTpot![classIndex].Add(r.Tpot);
            }
            E2e.Add(r.E2e);
            QueueDelay.Add(r.QueueDelay);
            InputTokens += r.InputTokens;
            OutputTokens += r.OutputTokens;
            if (r.Preemptions > 0) PreemptedRequests++;
            if (r.MetSlo) { MetSlo++; _classMet[classIndex]++; }
            LastCompletion = Math.Max(LastCompletion, r.CompletionTime);
        }
        else
        {
            Rejected++;
            _rejectReasons[r.RejectReason!] = _rejectReasons.GetValueOrDefault(r.RejectReason!) + 1;
        }
        sink?.OnRequest(r);
    }

    /// <summary>Reasons for rejection with counts, most frequent first (then by text), so output order is stable.</summary>
    public IReadOnlyList<RejectionCount> RejectReasons() =>
        _rejectReasons.Select(kv => new RejectionCount(kv.Key, kv.Value)).OrderByDescending(x => x.Count).ThenBy(x => x.Reason, StringComparer.Ordinal).ToArray();

    public IReadOnlyList<ClassSummary> Classes() =>
        classes.Select((c, i) => new ClassSummary(c.Name, c.Weight, c.Input.Describe(), c.Output.Describe(), c.Slo,
            _classRequests[i], _classCompleted[i], _classRequests[i] - _classCompleted[i], _classMet[i])
        {
            Ttft = _classTtft is null ? Ttft.Stats() : _classTtft[i].Stats(),
            Tpot = _classTpot is null ? Tpot.Stats() : _classTpot[i].Stats(),
        }).ToArray();
}
