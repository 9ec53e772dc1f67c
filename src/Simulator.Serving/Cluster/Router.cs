namespace Simulator.Serving;

/// <summary>Picks a replica for each request; ties always go to the lowest index, so routing is deterministic.</summary>
internal sealed class Router(RouterKind kind)
{
    private int _next;

    public Replica Pick(Replica[] replicas)
    {
        if (replicas.Length == 1) return replicas[0];
        switch (kind)
        {
            case RouterKind.RoundRobin:
            {
                var r = replicas[_next];
                _next = (_next + 1) % replicas.Length;
                return r;
            }
            case RouterKind.LeastOutstanding:
            {
                var best = replicas[0];
                for (int i = 1; i < replicas.Length; i++)
                    if (replicas[i].Outstanding < best.Outstanding) best = replicas[i];
                return best;
            }
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
}
