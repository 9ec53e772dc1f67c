namespace Simulator.Serving;

/// <summary>
/// Turns a workload into arrival events. Each random choice has its own stream (gaps, class, prompt length,
/// output length, think time; prefix template, session turns, session think time, later turns' messages and outputs),
/// so a run at another rate with the same seed sees the same sequence of requests. A session's later turns are issued
/// when the turn before completes, after the user's think time, and resend the conversation so far.
/// </summary>
internal sealed class RequestSource
{
    private const int GapStream = 1, ClassStream = 2, InputStream = 3, OutputStream = 4, ThinkStream = 5,
        TemplateStream = 6, TurnsStream = 7, SessionThinkStream = 8, TurnInputStream = 9, TurnOutputStream = 10;

    /// <summary>Prefix groups of a trace's prefix_group column are keyed from here (above the workload's own groups).</summary>
    private const long TraceGroupBase = 1L << 30;

    /// <summary>Templates one shared prefix may have at most (the group keys of a prefix are consecutive).</summary>
    public const int MaxTemplates = 1 << 16;

    private readonly Simulation _sim;
    private readonly WorkloadSpec _workload;
    private readonly ServingCluster _cluster;
    private readonly Random _gapRng, _classRng, _inputRng, _outputRng, _thinkRng;
    private readonly double[] _cumulativeWeight;
    private readonly long _limit;
    private readonly double _duration;
    private readonly ArrivalEvent _arrival;
    private readonly OpenArrivals? _open;
    private readonly int _cap;
    private int _inFlight, _heldAtClient;
    private int _traceIndex;
    // Prefix caching: each class's first prefix-group key (-1: none); sessions numbered as they start.
    private readonly long[] _groupBase;
    private readonly Random? _templateRng, _turnsRng, _sessionThinkRng, _turnInputRng, _turnOutputRng;
    private long _sessions;

    public RequestSource(Simulation sim, WorkloadSpec workload, ServingCluster cluster, long? requests, double? durationSeconds)
    {
        _sim = sim;
        _workload = workload;
        _cluster = cluster;
        _gapRng = sim.Stream(GapStream);
        _classRng = sim.Stream(ClassStream);
        _inputRng = sim.Stream(InputStream);
        _outputRng = sim.Stream(OutputStream);
        _thinkRng = sim.Stream(ThinkStream);
        _cumulativeWeight = new double[workload.Classes.Count];
        double sum = 0;
        for (int i = 0; i < workload.Classes.Count; i++) _cumulativeWeight[i] = sum += workload.Classes[i].Weight;
        long traceRows = workload.Arrivals is TraceArrivals t ? t.Trace.Rows.Count : long.MaxValue;
        if (requests is null && durationSeconds is null && traceRows == long.MaxValue)
            throw new ArgumentException("a synthetic workload needs a number of requests or a duration");
        _limit = Math.Min(requests ?? long.MaxValue, traceRows);
        _duration = durationSeconds ?? double.PositiveInfinity;
        _arrival = new ArrivalEvent(this);
        _groupBase = new long[workload.Classes.Count];
        var groups = new List<string>();
        bool sessions = false;
        for (int i = 0; i < workload.Classes.Count; i++)
        {
            var c = workload.Classes[i];
            sessions |= c.Session is not null;
            if (c.Prefix is not { } p) { _groupBase[i] = -1; continue; }
            int g = groups.IndexOf(p.Group);
            if (g < 0) { g = groups.Count; groups.Add(p.Group); }
            _groupBase[i] = 1 + (long)g * MaxTemplates;
        }
        if (groups.Count > 0) _templateRng = sim.Stream(TemplateStream);
        if (sessions)
        {
            _turnsRng = sim.Stream(TurnsStream);
            _sessionThinkRng = sim.Stream(SessionThinkStream);
            _turnInputRng = sim.Stream(TurnInputStream);
            _turnOutputRng = sim.Stream(TurnOutputStream);
        }
        _open = workload.Arrivals switch { OpenArrivals o => o, CappedArrivals c => c.Inner, _ => null };
        if (workload.Arrivals is CappedArrivals capped)
        {
            // A capped open loop sends a held request when one finishes; a finished session turn also schedules its next turn.
            _cap = capped.MaxConcurrency;
            cluster.Finished = sessions ? r => { OnCappedFinished(r); OnFinished(r); } : OnCappedFinished;
        }
        else if (workload.Arrivals is ClosedLoopArrivals || sessions) cluster.Finished = OnFinished;
    }

    /// <summary>Requests generated so far.</summary>
    public long Issued { get; private set; }

    /// <summary>Requests the run will generate at most (long.MaxValue when bounded by duration only).</summary>
    public long Target => _limit;

    public void Start()
    {
        switch (_workload.Arrivals)
        {
            case OpenArrivals or CappedArrivals:
                ScheduleNext(_open!.NextGap(_gapRng));
                break;
            case TraceArrivals trace:
                if (trace.Trace.Rows.Count > 0) ScheduleNext(trace.Trace.Rows[0].ArrivalSeconds);
                break;
            case ClosedLoopArrivals closed:
                for (int u = 0; u < closed.Users && Issued < _limit; u++) Issue(u);
                break;
        }
    }

    private void ScheduleNext(double time)
    {
        if (Issued + _heldAtClient >= _limit || time >= _duration) return;
        _sim.Schedule(_arrival, time);
    }

    private void OnArrival()
    {
        // Session turns issued since this arrival was scheduled may have used up the request limit.
        if (Issued >= _limit) return;
        double now = _sim.Now;
        // Schedule the next arrival before handing this one over, so arrivals at equal times share a step.
        if (_workload.Arrivals is TraceArrivals trace)
        {
            var row = trace.Trace.Rows[_traceIndex++];
            var fromTrace = Create(now, 0, row.InputTokens, row.OutputTokens, -1);
            if (row.PrefixGroup > 0)
            {
                fromTrace.PrefixGroup = TraceGroupBase + row.PrefixGroup;
                fromTrace.PrefixTokens = row.PrefixTokens;
            }
            if (row.Session > 0) fromTrace.SessionKey = KvCache.SessionKeyBase + row.Session;
            Issued++;
            if (_traceIndex < trace.Trace.Rows.Count) ScheduleNext(trace.Trace.Rows[_traceIndex].ArrivalSeconds);
            _cluster.Arrive(fromTrace);
            return;
        }
        if (_cap > 0 && _inFlight >= _cap)
        {
            // Held at the client until a request in flight finishes; it is created (and its latencies start) when sent.
            _heldAtClient++;
            ScheduleNext(now + _open!.NextGap(_gapRng));
            return;
        }
        var r = CreateSynthetic(now, -1);
        Issued++;
        ScheduleNext(now + _open!.NextGap(_gapRng));
        if (_cap > 0) _inFlight++;
        _cluster.Arrive(r);
    }

    /// <summary>A request of a capped open loop finished: the oldest one held at the client is sent now.</summary>
    private void OnCappedFinished(Request r)
    {
        _inFlight--;
        if (_heldAtClient == 0) return;
        _heldAtClient--;
        _inFlight++;
        var next = CreateSynthetic(_sim.Now, -1);
        Issued++;
        _cluster.Arrive(next);
    }

    private void Issue(int user)
    {
        var r = CreateSynthetic(_sim.Now, user);
        Issued++;
        _cluster.Arrive(r);
    }

    private void OnFinished(Request r)
    {
        if (Issued >= _limit) return;
        // A completed turn with turns to come: the user reads, thinks and sends the next (a rejected turn ends its session).
        if (r.TurnsLeft > 0 && !double.IsNaN(r.FirstToken))
        {
            double pause = r.ThinkSeconds > 0 ? MathNet.Numerics.Distributions.Exponential.Sample(_sessionThinkRng!, 1 / r.ThinkSeconds) : 0;
            if (_sim.Now + pause >= _duration) return;
            var previous = r;
            _sim.Schedule(new ActionEvent(_ => IssueTurn(previous)), _sim.Now + pause);
            return;
        }
        if (r.UserIndex < 0 || _workload.Arrivals is not ClosedLoopArrivals) return;
        var closed = (ClosedLoopArrivals)_workload.Arrivals;
        // A user whose request was rejected, with no think time and no request limit, would resend at the same
        // instant forever; it stops instead.
        if (r.Generated == 0 && double.IsNaN(r.FirstToken) && closed.ThinkTimeSeconds == 0 && _limit == long.MaxValue) return;
        double think = closed.ThinkTimeSeconds > 0 ? MathNet.Numerics.Distributions.Exponential.Sample(_thinkRng, 1 / closed.ThinkTimeSeconds) : 0;
        if (_sim.Now + think >= _duration) return;
        int user = r.UserIndex;
        _sim.Schedule(new ActionEvent(_ => Issue(user)), _sim.Now + think);
    }

    /// <summary>The next turn of <paramref name="previous"/>'s session: the conversation so far plus a new message.</summary>
    private void IssueTurn(Request previous)
    {
        if (Issued >= _limit) return;
        var c = _workload.Classes[previous.ClassIndex];
        long conversation = (long)previous.InputTokens + previous.OutputTokens + c.Input.Sample(_turnInputRng!);
        var r = new Request
        {
            Id = Issued,
            ClassIndex = previous.ClassIndex,
            ArrivalTime = _sim.Now,
            InputTokens = (int)Math.Min(int.MaxValue / 2, conversation),
            OutputTokens = c.Output.Sample(_turnOutputRng!),
            Slo = c.Slo,
            UserIndex = previous.UserIndex,
            PrefixGroup = previous.PrefixGroup,
            PrefixTokens = previous.PrefixTokens,
            SessionKey = previous.SessionKey,
            TurnsLeft = previous.TurnsLeft - 1,
            ThinkSeconds = previous.ThinkSeconds,
            Acceptance = previous.Acceptance,
        };
        Issued++;
        _cluster.Arrive(r);
    }

    private Request CreateSynthetic(double now, int user) => Create(now, PickClass(), -1, -1, user);

    private Request Create(double now, int classIndex, int input, int output, int user)
    {
        var c = _workload.Classes[classIndex];
        var r = new Request
        {
            Id = Issued,
            ClassIndex = classIndex,
            ArrivalTime = now,
            InputTokens = input > 0 ? input : c.Input.Sample(_inputRng),
            OutputTokens = output > 0 ? output : c.Output.Sample(_outputRng),
            Slo = c.Slo,
            UserIndex = user,
        };
        if (c.Prefix is { } p)
        {
            int template = p.Templates > 1 ? _templateRng!.Next(p.Templates) : 0;
            r.PrefixGroup = _groupBase[classIndex] + template;
            r.PrefixTokens = p.Tokens;
            // The prefix is counted inside the prompt, which is at least the prefix and one token of its own.
            if (r.InputTokens <= p.Tokens) r.InputTokens = p.Tokens + 1;
        }
        if (c.Session is { } s && _workload.Arrivals is not TraceArrivals)
        {
            r.SessionKey = KvCache.SessionKeyBase + TraceGroupBase + _sessions++;
            r.TurnsLeft = Math.Max(1, s.Turns.Sample(_turnsRng!)) - 1;
            r.ThinkSeconds = s.ThinkTimeSeconds;
        }
        r.Acceptance = c.Acceptance;
        return r;
    }

    private int PickClass()
    {
        if (_cumulativeWeight.Length == 1) return 0;
        double u = _classRng.NextDouble() * _cumulativeWeight[^1];
        for (int i = 0; i < _cumulativeWeight.Length; i++)
            if (u < _cumulativeWeight[i]) return i;
        return _cumulativeWeight.Length - 1;
    }

    private sealed class ArrivalEvent(RequestSource source) : Event
    {
        public override void Fire(Simulation sim) => source.OnArrival();
    }
}
