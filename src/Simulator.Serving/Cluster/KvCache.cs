namespace Simulator.Serving;

/// <summary>
/// The paged KV cache of one replica (vLLM's PagedAttention): a pool of fixed-size blocks of tokens. Requests hold
/// whole blocks, so a request with n tokens holds ceil(n / block size) blocks. Only counts are kept: with paging,
/// any free block serves any request, so block identities do not change any outcome. Allocation beyond capacity
/// is a bug and throws. With prefix caching (<see cref="EnablePrefixCaching"/>) the blocks of shared prefixes are
/// also named in a <see cref="PrefixTable"/>: they are counted once however many requests hold them, and when nobody
/// does they stay cached (counted in <see cref="CachedBlocks"/>, not in <see cref="UsedBlocks"/>) until an allocation
/// needs their room; then the least recently used go, to the offload tier when there is one.
/// </summary>
public sealed class KvCache
{
    public KvCache(int totalBlocks, int blockSize, double watermarkFraction = 0.01)
    {
        if (totalBlocks < 1) throw new ArgumentOutOfRangeException(nameof(totalBlocks), "a KV cache needs at least one block");
        if (blockSize < 1) throw new ArgumentOutOfRangeException(nameof(blockSize), "a block holds at least one token");
        TotalBlocks = totalBlocks;
        BlockSize = blockSize;
        WatermarkBlocks = (int)(watermarkFraction * totalBlocks);
    }

    public int TotalBlocks { get; }
    public int BlockSize { get; }
    /// <summary>Blocks kept free when admitting new requests (vLLM's watermark, 1%), so running ones can grow.</summary>
    public int WatermarkBlocks { get; }
    public int UsedBlocks { get; private set; }
    public int PeakUsedBlocks { get; private set; }
    public int FreeBlocks => TotalBlocks - UsedBlocks;
    public double Usage => (double)UsedBlocks / TotalBlocks;

    /// <summary>Tokens the cache holds when full.</summary>
    public long CapacityTokens => (long)TotalBlocks * BlockSize;

    /// <summary>Tokens a single request may need at most: all blocks except the watermark.</summary>
    public long AdmissibleTokens => (long)(TotalBlocks - WatermarkBlocks) * BlockSize;

    /// <summary>Blocks that hold <paramref name="tokens"/> tokens.</summary>
    public int BlocksFor(long tokens) => (int)((tokens + BlockSize - 1) / BlockSize);

    /// <summary>Whether <paramref name="blocks"/> more blocks can be taken, leaving <paramref name="reserve"/> free.</summary>
    public bool CanAllocate(int blocks, int reserve = 0) => blocks <= FreeBlocks - reserve;

    private double _usageIntegral, _lastTime;

    /// <summary>Integrates usage up to <paramref name="now"/>; call before every change for <see cref="MeanUsage"/>.</summary>
    public void Advance(double now)
    {
        if (now > _lastTime)
        {
            _usageIntegral += UsedBlocks * (now - _lastTime);
            _lastTime = now;
        }
    }

    /// <summary>Time-weighted mean fraction of blocks in use from 0 to <paramref name="end"/>.</summary>
    public double MeanUsage(double end)
    {
        Advance(end);
        return end > 0 ? _usageIntegral / end / TotalBlocks : 0;
    }

    public void Allocate(int blocks)
    {
        if (blocks < 0 || blocks > FreeBlocks) throw new InvalidOperationException($"KV cache overflow: {blocks} blocks asked, {FreeBlocks} of {TotalBlocks} free");
        if (Prefix is { } table)
            for (int spare = FreeBlocks - table.Unreferenced; spare < blocks; spare++) Evict(table);
        UsedBlocks += blocks;
        if (UsedBlocks > PeakUsedBlocks) PeakUsedBlocks = UsedBlocks;
    }

    public void Free(int blocks)
    {
        if (blocks < 0 || blocks > UsedBlocks) throw new InvalidOperationException($"KV cache underflow: freeing {blocks} blocks, {UsedBlocks} in use");
        UsedBlocks -= blocks;
    }

    // ---------------------------------------------------------------- prefix caching (null tables: off, the plain path above)

    /// <summary>Block keys: a prefix group's keys start at 1 &lt;&lt; 21, a session's at 1 &lt;&lt; 61; the block index fills the low 21 bits.</summary>
    internal const int BlockIndexBits = 21;

    /// <summary>Key space of sessions, above every prefix group's.</summary>
    internal const long SessionKeyBase = 1L << 40;

    internal PrefixTable? Prefix { get; private set; }
    internal OffloadTier? Offload { get; private set; }

    /// <summary>Keeps shared prefix blocks in a table (vLLM's automatic prefix caching).</summary>
    internal void EnablePrefixCaching() => Prefix ??= new PrefixTable();

    /// <summary>Adds a host tier of <paramref name="hostBlocks"/> blocks (and an SSD tier behind it) for evicted prefix blocks and swapped requests.</summary>
    internal void EnableOffload(int hostBlocks, int ssdBlocks) => Offload = new OffloadTier(hostBlocks, ssdBlocks > 0 ? new OffloadTier(ssdBlocks, null) : null);

    /// <summary>Prefix blocks no request holds, kept until their room is needed (0 without prefix caching).</summary>
    public int CachedBlocks => Prefix?.Unreferenced ?? 0;

    /// <summary>Blocks named in the prefix table, held or cached (0 without prefix caching).</summary>
    public int PrefixBlocks => Prefix?.Entries ?? 0;

    /// <summary>Admissions from scratch that looked their prompt up.</summary>
    public long PrefixLookups { get; private set; }
    /// <summary>Prompt tokens of those admissions.</summary>
    public long LookupTokens { get; private set; }
    /// <summary>Whole blocks of those prompts.</summary>
    public long LookupBlocks { get; private set; }
    /// <summary>Prompt blocks found cached (device, host or SSD), whose prefill was skipped.</summary>
    public long HitBlocks { get; private set; }
    /// <summary>Of <see cref="HitBlocks"/>, those copied back from host memory.</summary>
    public long HostHitBlocks { get; private set; }
    /// <summary>Of <see cref="HitBlocks"/>, those read back from the SSD.</summary>
    public long SsdHitBlocks { get; private set; }
    /// <summary>Cached prefix blocks evicted from the device to make room.</summary>
    public long EvictedBlocks { get; private set; }

    /// <summary>Changes whenever a probe's answer might (the table or the offload tier changed).</summary>
    internal long PrefixVersion => (Prefix?.Version ?? 0) + EvictedBlocks + _tierChanges;

    private long _tierChanges;

    /// <summary>
    /// Reserves offload room for <paramref name="blocks"/> blocks of a request being swapped out (cached prefix blocks
    /// there make way); true without an offload tier, whose host memory is then taken to be large enough.
    /// </summary>
    internal bool TryPinSwap(int blocks)
    {
        if (Offload is not { } tier) return true;
        _tierChanges++;
        return tier.TryPin(blocks);
    }

    /// <summary>Frees the offload room of a swapped request that came back.</summary>
    internal void UnpinSwap(int blocks)
    {
        if (Offload is not { } tier) return;
        _tierChanges++;
        tier.Unpin(blocks);
    }

    /// <summary>The key of block <paramref name="block"/> of <paramref name="r"/>, or -1 when its content is its own.</summary>
    internal long BlockKey(Request r, int block)
    {
        if ((long)(block + 1) * BlockSize <= r.PrefixTokens) return (r.PrefixGroup << BlockIndexBits) | (uint)block;
        return r.SessionKey >= 0 ? (r.SessionKey << BlockIndexBits) | (uint)block : -1;
    }

    /// <summary>Whole blocks of the first <paramref name="tokens"/> tokens of <paramref name="r"/> that others may share.</summary>
    internal int KeyedBlocks(Request r, long tokens)
    {
        if (tokens <= 0) return 0;
        long full = tokens / BlockSize;
        if (r.SessionKey < 0) full = Math.Min(full, r.PrefixGroup >= 0 ? r.PrefixTokens / BlockSize : 0);
        return (int)full;
    }

    /// <summary>What a lookup of <paramref name="r"/>'s prompt finds, block by block from the first, in the device table and then the offload tiers.</summary>
    internal PrefixProbe Probe(Request r)
    {
        var table = Prefix!;
        // The last prompt token is always computed (its logits give the first output token), as vLLM does.
        int max = KeyedBlocks(r, r.Known - 1L);
        int i = 0, evictable = 0, host = 0, ssd = 0;
        for (; i < max; i++)
        {
            int slot = table.Find(BlockKey(r, i));
            if (slot < 0) break;
            if (!table.IsHeld(slot)) evictable++;
        }
        int device = i;
        if (Offload is { } tier)
            for (; i < max; i++)
            {
                long key = BlockKey(r, i);
                if (tier.Contains(key)) host++;
                else if (tier.Next is { } second && second.Contains(key)) ssd++;
                else break;
            }
        return new PrefixProbe(device, evictable, host, ssd);
    }

    /// <summary>
    /// Admits a request that starts from scratch with <paramref name="blocks"/> blocks: holds the cached blocks the probe
    /// found, takes new ones for the rest (those found in the offload tiers are filled by copies and named in the table),
    /// and starts its computation past every block found.
    /// </summary>
    internal void AdmitCached(Request r, int blocks, in PrefixProbe probe)
    {
        var table = Prefix!;
        for (int i = 0; i < probe.DeviceHits; i++)
            if (table.Acquire(table.Find(BlockKey(r, i)))) { UsedBlocks++; if (UsedBlocks > PeakUsedBlocks) PeakUsedBlocks = UsedBlocks; }
        Allocate(blocks - probe.DeviceHits);
        int hits = probe.Hits;
        for (int i = probe.DeviceHits; i < hits; i++)
        {
            long key = BlockKey(r, i);
            table.Insert(key);
            Offload!.Touch(key);
        }
        r.Blocks += blocks;
        r.SharedBlocks = hits;
        r.Computed = hits * BlockSize;
        r.CachedTokens = r.Computed;
        PrefixLookups++;
        LookupTokens += r.Known;
        LookupBlocks += r.Known / BlockSize;
        HitBlocks += hits;
        HostHitBlocks += probe.HostHits;
        SsdHitBlocks += probe.SsdHits;
    }

    /// <summary>
    /// Names the shareable blocks <paramref name="r"/> has filled since the last call (vLLM caches a block as soon as it is
    /// full). A block another request filled meanwhile is shared instead, and this request's copy freed.
    /// </summary>
    internal void Register(Request r)
    {
        var table = Prefix!;
        int full = Math.Min(KeyedBlocks(r, r.Computed), r.Blocks);
        while (r.SharedBlocks < full)
        {
            long key = BlockKey(r, r.SharedBlocks);
            int slot = table.Find(key);
            if (slot < 0) table.Insert(key);
            else
            {
                // Ours becomes free and the cached copy is held instead: in use stays the same unless the copy was
                // already held by another request.
                if (!table.Acquire(slot)) UsedBlocks--;
            }
            r.SharedBlocks++;
        }
    }

    /// <summary>
    /// Gives back every block <paramref name="r"/> holds: its own are freed, shared ones released (last block first, so
    /// a prefix's tail is evicted before its head, as vLLM frees). Sets <see cref="Request.Blocks"/> to 0.
    /// </summary>
    internal void Release(Request r)
    {
        if (r.SharedBlocks > 0)
        {
            var table = Prefix!;
            for (int i = r.SharedBlocks - 1; i >= 0; i--)
                if (table.Release(table.Find(BlockKey(r, i)))) UsedBlocks--;
            Free(r.Blocks - r.SharedBlocks);
            r.SharedBlocks = 0;
        }
        else Free(r.Blocks);
        r.Blocks = 0;
    }

    private void Evict(PrefixTable table)
    {
        long key = table.EvictLeastRecent();
        EvictedBlocks++;
        Offload?.Store(key);
    }
}

/// <summary>What a prefix lookup found: blocks in the device table (and how many of them nobody holds), then in host memory and on SSD.</summary>
internal readonly record struct PrefixProbe(int DeviceHits, int EvictableHits, int HostHits, int SsdHits)
{
    public int Hits => DeviceHits + HostHits + SsdHits;
}
