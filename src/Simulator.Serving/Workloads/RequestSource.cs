namespace Simulator.Serving;

/// <summary>
/// Turns a workload into arrival events. Each random choice has its own stream (gaps, class, prompt length,
/// output length, think time), so a run at another rate with the same seed sees the same sequence of requests.
/// </summary>
internal sealed class RequestSource
{
    private const int GapStream = 1, ClassStream = 2, InputStream = 3, OutputStream = 4, ThinkStream = 5;

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
        if (workload.Arrivals is ClosedLoopArrivals) cluster.Finished = OnFinished;
        _open = workload.Arrivals switch { OpenArrivals o => o, CappedArrivals c => c.Inner, _ => null };
        if (workload.Arrivals is CappedArrivals capped)
        {
            _cap = capped.MaxConcurrency;
            cluster.Finished = OnCappedFinished;
        }
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
        double now = _sim.Now;
        // Schedule the next arrival before handing this one over, so arrivals at equal times share a step.
        if (_workload.Arrivals is TraceArrivals trace)
        {
            var row = trace.Trace.Rows[_traceIndex++];
            var fromTrace = Create(now, 0, row.InputTokens, row.OutputTokens, -1);
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
        if (r.UserIndex < 0 || Issued >= _limit) return;
        var closed = (ClosedLoopArrivals)_workload.Arrivals;
        // A user whose request was rejected, with no think time and no request limit, would resend at the same
        // instant forever; it stops instead.
        if (r.Generated == 0 && double.IsNaN(r.FirstToken) && closed.ThinkTimeSeconds == 0 && _limit == long.MaxValue) return;
        double think = closed.ThinkTimeSeconds > 0 ? MathNet.Numerics.Distributions.Exponential.Sample(_thinkRng, 1 / closed.ThinkTimeSeconds) : 0;
        if (_sim.Now + think >= _duration) return;
        int user = r.UserIndex;
        _sim.Schedule(new ActionEvent(_ => Issue(user)), _sim.Now + think);
    }

    private Request CreateSynthetic(double now, int user) => Create(now, PickClass(), -1, -1, user);

    private Request Create(double now, int classIndex, int input, int output, int user)
    {
        var c = _workload.Classes[classIndex];
        return new Request
        {
            Id = Issued,
            ClassIndex = classIndex,
            ArrivalTime = now,
            InputTokens = input > 0 ? input : c.Input.Sample(_inputRng),
            OutputTokens = output > 0 ? output : c.Output.Sample(_outputRng),
            Slo = c.Slo,
            UserIndex = user,
        };
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
