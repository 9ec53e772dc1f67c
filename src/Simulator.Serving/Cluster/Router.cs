namespace Simulator.Serving;

/// <summary>Picks a replica for each request; ties always go to the lowest index, so routing is deterministic.</summary>
internal sealed class Router(RouterKind kind, int affinityLoadBound = ClusterConfig.DefaultAffinityLoadBound)
{
    private int _next;
    // Prefix affinity: for each prefix group or session, the replicas it has been sent to (a bit per replica), the
    // router's own picture of where the prefix is cached, as the SGLang router keeps an approximate radix tree.
    private readonly Dictionary<long, ulong[]> _holders = [];

    public Replica Pick(Replica[] replicas, Request? r = null)
    {
        if (replicas.Length == 1) return replicas[0];
        switch (kind)
        {
            case RouterKind.RoundRobin:
            {
                var rr = replicas[_next];
                _next = (_next + 1) % replicas.Length;
                return rr;
            }
            case RouterKind.LeastOutstanding:
                return LeastOutstanding(replicas);
            case RouterKind.PrefixAffinity:
                return r is null ? LeastOutstanding(replicas) : ByPrefix(replicas, r);
            default:
            {
                var best = replicas[0];
                for (int i = 1; i < replicas.Length; i++)
                {
                    var c = replicas[i];
                    if (c.Kv.Usage < best.Kv.Usage || (c.Kv.Usage == best.Kv.Usage && c.Outstanding < best.Outstanding)) best = c;
                }
                return best;
            }
        }
    }

    private static Replica LeastOutstanding(Replica[] replicas)
    {
        var best = replicas[0];
        for (int i = 1; i < replicas.Length; i++)
            if (replicas[i].Outstanding < best.Outstanding) best = replicas[i];
        return best;
    }

    /// <summary>
    /// The least loaded replica that has received the request's session (the longest prefix), else its prefix group;
    /// unless that replica has more than the load bound of requests outstanding beyond the least loaded one, which then
    /// takes it (SGLang's cache-aware router: cache affinity while the load is balanced, shortest queue when not). The
    /// replica picked is remembered for the request's session and group.
    /// </summary>
    private Replica ByPrefix(Replica[] replicas, Request r)
    {
        var least = LeastOutstanding(replicas);
        Replica? holder = null;
        if (r.SessionKey >= 0 && _holders.TryGetValue(r.SessionKey, out var s)) holder = LeastAmong(replicas, s);
        if (holder is null && r.PrefixGroup >= 0 && _holders.TryGetValue(r.PrefixGroup, out var g)) holder = LeastAmong(replicas, g);
        var pick = holder is not null && holder.Outstanding <= least.Outstanding + affinityLoadBound ? holder : least;
        if (r.SessionKey >= 0)
        {
            // A session's last turn needs no memory of where it went.
            if (r.TurnsLeft > 0) Mark(r.SessionKey, pick.Index, replicas.Length);
            else _holders.Remove(r.SessionKey);
        }
        if (r.PrefixGroup >= 0) Mark(r.PrefixGroup, pick.Index, replicas.Length);
        return pick;
    }

    private static Replica? LeastAmong(Replica[] replicas, ulong[] mask)
    {
        Replica? best = null;
        for (int i = 0; i < replicas.Length; i++)
            if ((mask[i >> 6] & (1UL << (i & 63))) != 0 && (best is null || replicas[i].Outstanding < best.Outstanding)) best = replicas[i];
        return best;
    }

    private void Mark(long key, int replica, int replicas)
    {
        if (!_holders.TryGetValue(key, out var mask)) _holders[key] = mask = new ulong[(replicas + 63) >> 6];
        mask[replica >> 6] |= 1UL << (replica & 63);
    }
}
