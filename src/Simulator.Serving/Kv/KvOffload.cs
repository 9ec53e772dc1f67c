namespace Simulator.Serving;

/// <summary>
/// A KV offload tier beside the device memory (LMCache, vLLM's offloading connector): host memory, and optionally a local
/// SSD behind it, holding prefix blocks evicted from the device (found again by the same key, and copied back instead of
/// recomputed) and the blocks of requests preempted by swapping. Sizes are per replica (the host memory of the node or
/// nodes it runs on set aside for KV).
/// </summary>
/// <param name="HostBytes">Host memory for KV blocks per replica.</param>
public sealed record KvOffloadConfig(double HostBytes)
{
    /// <summary>
    /// Default SSD read bandwidth: a PCIe 4.0 x4 NVMe drive's sequential read (Samsung 990 PRO datasheet, 7,450 MB/s),
    /// rounded down. An assumption; <c>ssd-bandwidth=</c> replaces it.
    /// </summary>
    public const double DefaultSsdBandwidthBytesPerSecond = 7e9;

    /// <summary>Default SSD read latency (NVMe 4 KiB random read is 50–100 µs; an assumption).</summary>
    public const double DefaultSsdLatencySeconds = 100e-6;

    /// <summary>Local SSD space for KV blocks per replica (0: no SSD tier).</summary>
    public double SsdBytes { get; init; }

    /// <summary>Read bandwidth of the SSD tier.</summary>
    public double SsdBandwidthBytesPerSecond { get; init; } = DefaultSsdBandwidthBytesPerSecond;

    /// <summary>Latency of one read from the SSD tier.</summary>
    public double SsdLatencySeconds { get; init; } = DefaultSsdLatencySeconds;

    /// <summary>Every reason the settings cannot work (empty when they can).</summary>
    public List<string> Validate()
    {
        var e = new List<string>();
        if (!(HostBytes >= 0) || double.IsInfinity(HostBytes)) e.Add("the host memory of the KV offload tier must be a size of at least 0 bytes");
        if (!(SsdBytes >= 0) || double.IsInfinity(SsdBytes)) e.Add("the SSD space of the KV offload tier must be a size of at least 0 bytes");
        if (!(SsdBandwidthBytesPerSecond > 0) || double.IsInfinity(SsdBandwidthBytesPerSecond)) e.Add("the SSD bandwidth of the KV offload tier must be positive");
        if (!(SsdLatencySeconds >= 0)) e.Add("the SSD latency of the KV offload tier must not be negative");
        return e;
    }

    /// <summary>Such as "host 256 GiB + SSD 2 TB at 7 GB/s".</summary>
    public string Describe() => $"host {Core.Units.Format.Bytes(HostBytes)}" +
        (SsdBytes > 0 ? $" + SSD {Core.Units.Format.Bytes(SsdBytes)} at {Core.Units.Format.Bandwidth(SsdBandwidthBytesPerSecond)}" : "");
}

/// <summary>
/// One level of the offload hierarchy: a least-recently-used set of block keys with a capacity in blocks, part of which
/// swapped requests may pin. A block evicted from here moves to the next level (SSD), or is dropped at the last. Nodes
/// are reused, so a full tier allocates nothing.
/// </summary>
internal sealed class OffloadTier(int capacityBlocks, OffloadTier? next)
{
    private readonly Dictionary<long, LinkedListNode<long>> _nodes = [];
    private readonly LinkedList<long> _lru = new();
    private readonly Stack<LinkedListNode<long>> _spare = new();

    public int CapacityBlocks { get; } = capacityBlocks;
    public OffloadTier? Next { get; } = next;
    /// <summary>Prefix blocks held.</summary>
    public int Count => _lru.Count;
    /// <summary>Blocks of swapped-out requests (never evicted).</summary>
    public int Pinned { get; private set; }
    /// <summary>Blocks written here (evicted from the level above).</summary>
    public long Stored { get; private set; }
    /// <summary>Blocks dropped from here (moved to the next level, or lost).</summary>
    public long Evicted { get; private set; }

    public bool Contains(long key) => _nodes.ContainsKey(key);

    /// <summary>Marks <paramref name="key"/> as just used.</summary>
    public void Touch(long key)
    {
        if (!_nodes.TryGetValue(key, out var node)) return;
        _lru.Remove(node);
        _lru.AddLast(node);
    }

    /// <summary>Keeps a block evicted from the level above, making room by evicting this level's least recently used.</summary>
    public void Store(long key)
    {
        if (_nodes.TryGetValue(key, out var existing))
        {
            _lru.Remove(existing);
            _lru.AddLast(existing);
            return;
        }
        while (Count > 0 && Count + Pinned >= CapacityBlocks) EvictOne();
        if (Count + Pinned >= CapacityBlocks)
        {
            Next?.Store(key);
            return;
        }
        var node = _spare.Count > 0 ? _spare.Pop() : new LinkedListNode<long>(key);
        node.Value = key;
        _lru.AddLast(node);
        _nodes.Add(key, node);
        Stored++;
    }

    /// <summary>Reserves room for <paramref name="blocks"/> blocks of a swapped request, evicting cached blocks; false when they cannot fit.</summary>
    public bool TryPin(int blocks)
    {
        if (Pinned + blocks > CapacityBlocks) return false;
        while (Count > 0 && Count + Pinned + blocks > CapacityBlocks) EvictOne();
        Pinned += blocks;
        return true;
    }

    /// <summary>Frees the room of a swapped request that came back.</summary>
    public void Unpin(int blocks)
    {
        if (blocks > Pinned) throw new InvalidOperationException($"offload tier: unpinning {blocks} blocks, {Pinned} pinned");
        Pinned -= blocks;
    }

    private void EvictOne()
    {
        var node = _lru.First!;
        _lru.RemoveFirst();
        _nodes.Remove(node.Value);
        _spare.Push(node);
        Evicted++;
        Next?.Store(node.Value);
    }
}
