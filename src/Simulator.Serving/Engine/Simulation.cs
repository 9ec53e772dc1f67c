using MathNet.Numerics.Random;

namespace Simulator.Serving;

/// <summary>
/// The discrete-event engine: it owns the clock, the event queue and the seeded random source (SimSharp's split).
/// The queue is .NET's binary heap ordered by (time, insertion sequence), so events at equal times fire in the
/// order they were scheduled and a run is reproducible. Simulated time never goes back.
/// </summary>
public sealed class Simulation
{
    private readonly PriorityQueue<Event, EventKey> _queue = new(EventKeyComparer.Instance);
    private long _sequence;

    /// <summary>A simulation whose random streams all derive from <paramref name="seed"/>.</summary>
    public Simulation(int seed)
    {
        Seed = seed;
    }

    /// <summary>The seed every random stream derives from.</summary>
    public int Seed { get; }

    /// <summary>Current simulated time in seconds.</summary>
    public double Now { get; private set; }

    /// <summary>Events fired so far.</summary>
    public long EventsFired { get; private set; }

    /// <summary>Events waiting in the queue.</summary>
    public int PendingEvents => _queue.Count;

    /// <summary>
    /// An independent random stream for one purpose (arrivals, lengths, class choice, ...), seeded from the run's
    /// seed and the stream's number by SplitMix64, so changing how often one stream is drawn (a different rate) does
    /// not shift the samples of another (the same lengths). Xoshiro256** from MathNet.Numerics, not thread-safe.
    /// </summary>
    public Random Stream(int streamId) => new Xoshiro256StarStar(DeriveSeed(Seed, streamId), threadSafe: false);

    /// <summary>SplitMix64 of (seed, stream) folded to 32 bits (Steele, Lea and Flood, OOPSLA 2014).</summary>
    public static int DeriveSeed(int seed, int streamId)
    {
        ulong z = unchecked((ulong)(uint)seed * 0x9E3779B97F4A7C15UL + (ulong)(uint)streamId * 0xD1B54A32D192ED03UL + 0x632BE59BD9B4E019UL);
        z = unchecked((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL);
        z = unchecked((z ^ (z >> 27)) * 0x94D049BB133111EBUL);
        z ^= z >> 31;
        return unchecked((int)(z ^ (z >> 32)));
    }

    /// <summary>Schedules <paramref name="e"/> at absolute time <paramref name="time"/> (not before now).</summary>
    public void Schedule(Event e, double time)
    {
        if (!(time >= Now)) throw new InvalidOperationException($"cannot schedule an event at t={time:R} s before now ({Now:R} s)");
        if (e.Pending) throw new InvalidOperationException($"{e.GetType().Name} is already scheduled at t={e.Time:R} s");
        e.Time = time;
        e.Sequence = _sequence++;
        e.Pending = true;
        _queue.Enqueue(e, new EventKey(time, e.Sequence));
    }

    /// <summary>Schedules <paramref name="e"/> <paramref name="delay"/> seconds from now.</summary>
    public void ScheduleIn(Event e, double delay) => Schedule(e, Now + delay);

    /// <summary>Fires the next event; false when the queue is empty.</summary>
    public bool Step()
    {
        if (!_queue.TryDequeue(out var e, out var key)) return false;
        if (key.Time < Now) throw new InvalidOperationException($"time went back from {Now:R} s to {key.Time:R} s");
        Now = key.Time;
        e.Pending = false;
        EventsFired++;
        e.Fire(this);
        return true;
    }

    /// <summary>Fires events until none is left.</summary>
    public void Run()
    {
        while (Step()) { }
    }

    private readonly record struct EventKey(double Time, long Sequence);

    private sealed class EventKeyComparer : IComparer<EventKey>
    {
        public static readonly EventKeyComparer Instance = new();

        public int Compare(EventKey a, EventKey b)
        {
            int c = a.Time.CompareTo(b.Time);
            return c != 0 ? c : a.Sequence.CompareTo(b.Sequence);
        }
    }
}
