namespace Simulator.Serving;

/// <summary>
/// The prefix-block table of one replica's KV cache: vLLM's automatic prefix caching (a block of 16 tokens is found by
/// the hash of everything up to its end) or SGLang's radix cache, at block granularity. A block is keyed by (prefix
/// group, block index), which names its content as the hash does: two requests of one group share their first blocks.
/// Each entry counts the requests holding it; an entry nobody holds stays cached, in a least-recently-used list, until
/// memory is needed (<see cref="EvictLeastRecent"/>). Slots live in arrays reused through a free list, so steady-state
/// operation allocates nothing.
/// </summary>
internal sealed class PrefixTable
{
    private readonly Dictionary<long, int> _slots = [];
    private long[] _keys = new long[256];
    private int[] _refs = new int[256], _prev = new int[256], _next = new int[256];
    private int _used, _freeHead = -1, _lruHead = -1, _lruTail = -1;

    /// <summary>Blocks in the table, held or not.</summary>
    public int Entries { get; private set; }

    /// <summary>Entries no request holds: cached, and evicted first when memory is needed.</summary>
    public int Unreferenced { get; private set; }

    /// <summary>Changes whenever an entry appears, disappears or changes between held and unreferenced (probes cached on it stay valid until then).</summary>
    public long Version { get; private set; }

    /// <summary>The slot of <paramref name="key"/>, or -1.</summary>
    public int Find(long key) => _slots.TryGetValue(key, out int s) ? s : -1;

    /// <summary>Whether some request holds the entry in <paramref name="slot"/>.</summary>
    public bool IsHeld(int slot) => _refs[slot] > 0;

    /// <summary>One more request holds <paramref name="slot"/>; true when it was unreferenced (it leaves the LRU list).</summary>
    public bool Acquire(int slot)
    {
        Version++;
        if (_refs[slot]++ > 0) return false;
        Unlink(slot);
        Unreferenced--;
        return true;
    }

    /// <summary>One request fewer holds <paramref name="slot"/>; true when nobody holds it now (it joins the LRU list as most recent).</summary>
    public bool Release(int slot)
    {
        if (_refs[slot] <= 0) throw new InvalidOperationException("prefix block released more often than held");
        Version++;
        if (--_refs[slot] > 0) return false;
        Append(slot);
        Unreferenced++;
        return true;
    }

    /// <summary>A new entry for <paramref name="key"/>, held by one request.</summary>
    public void Insert(long key)
    {
        int slot;
        if (_freeHead >= 0) { slot = _freeHead; _freeHead = _next[slot]; }
        else
        {
            if (_used == _keys.Length)
            {
                Array.Resize(ref _keys, _used * 2);
                Array.Resize(ref _refs, _used * 2);
                Array.Resize(ref _prev, _used * 2);
                Array.Resize(ref _next, _used * 2);
            }
            slot = _used++;
        }
        _keys[slot] = key;
        _refs[slot] = 1;
        _prev[slot] = _next[slot] = -1;
        _slots.Add(key, slot);
        Entries++;
        Version++;
    }

    /// <summary>Removes the least recently used unreferenced entry and returns its key.</summary>
    public long EvictLeastRecent()
    {
        int slot = _lruHead;
        if (slot < 0) throw new InvalidOperationException("no unreferenced prefix block to evict");
        Unlink(slot);
        long key = _keys[slot];
        _slots.Remove(key);
        _next[slot] = _freeHead;
        _freeHead = slot;
        Entries--;
        Unreferenced--;
        Version++;
        return key;
    }

    private void Unlink(int slot)
    {
        int p = _prev[slot], n = _next[slot];
        if (p >= 0) _next[p] = n; else _lruHead = n;
        if (n >= 0) _prev[n] = p; else _lruTail = p;
        _prev[slot] = _next[slot] = -1;
    }

    private void Append(int slot)
    {
        _prev[slot] = _lruTail;
        _next[slot] = -1;
        if (_lruTail >= 0) _next[_lruTail] = slot; else _lruHead = slot;
        _lruTail = slot;
    }
}
