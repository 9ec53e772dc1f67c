namespace Simulator.Serving;

/// <summary>
/// The paged KV cache of one replica (vLLM's PagedAttention): a pool of fixed-size blocks of tokens. Requests hold
/// whole blocks, so a request with n tokens holds ceil(n / block size) blocks. Only counts are kept: with paging,
/// any free block serves any request, so block identities do not change any outcome. Allocation beyond capacity
/// is a bug and throws.
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
        UsedBlocks += blocks;
        if (UsedBlocks > PeakUsedBlocks) PeakUsedBlocks = UsedBlocks;
    }

    public void Free(int blocks)
    {
        if (blocks < 0 || blocks > UsedBlocks) throw new InvalidOperationException($"KV cache underflow: freeing {blocks} blocks, {UsedBlocks} in use");
        UsedBlocks -= blocks;
    }
}
