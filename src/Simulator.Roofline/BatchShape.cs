using Simulator.Core.Specs;

namespace Simulator.Roofline;

/// <summary>
/// What one engine step processes, aggregated so the cost model needs no per-request list: new tokens,
/// sequences, and the attention work of prefill and decode sequences kept apart (they run different kernels).
/// Attention work is kept twice: as a local layer does it (capped at <see cref="SlidingWindow"/>, or within the
/// query's own chunk of <see cref="AttentionChunk"/> tokens) and over the whole context (the <c>...Full</c> fields,
/// what a global layer does); without either the two are equal. Build it with <see cref="For"/> (or
/// <see cref="Create"/>), <see cref="AddPrefill"/> and <see cref="AddDecode"/>; it is a value type and allocates nothing.
/// </summary>
public struct BatchShape
{
    /// <summary>Attention window in tokens of the model's sliding-window layers (0 = none); set before adding sequences.</summary>
    public int SlidingWindow;

    /// <summary>
    /// Chunk in tokens of the model's chunked local attention layers (Llama 4: 8192; 0 = none): the query at position p
    /// attends positions floor(p / chunk) x chunk .. p. Set before adding sequences; not together with a window.
    /// </summary>
    public int AttentionChunk;

    /// <summary>New tokens processed this step, over all sequences.</summary>
    public long NewTokens;
    /// <summary>Sequences in the step.</summary>
    public int Sequences;
    /// <summary>Sequences that produce an output token this step (LM head rows).</summary>
    public int OutputTokens;

    /// <summary>Decode sequences (one new token each).</summary>
    public int DecodeSequences;
    /// <summary>Query-key pairs of decode sequences (causal, window-capped).</summary>
    public double DecodePairs;
    /// <summary>Cached tokens whose K/V decode attention reads, summed over decode sequences.</summary>
    public double DecodeKvTokens;

    /// <summary>Prefill sequences (or chunks).</summary>
    public int PrefillSequences;
    /// <summary>New tokens of prefill sequences.</summary>
    public long PrefillTokens;
    /// <summary>Query-key pairs of prefill sequences: the causal triangle plus the rectangle over cached context.</summary>
    public double PrefillPairs;
    /// <summary>Query-key pairs if the full rectangle s x (c + s) were materialised (unfused attention's score buffer).</summary>
    public double PrefillScoreElements;
    /// <summary>Tokens whose K/V prefill attention reads (cached context + the chunk itself), summed.</summary>
    public double PrefillKvTokens;

    /// <summary>Query-key pairs of decode sequences over the whole context (global layers).</summary>
    public double DecodePairsFull;
    /// <summary>Cached tokens whose K/V a global layer's decode attention reads, summed over decode sequences.</summary>
    public double DecodeKvTokensFull;
    /// <summary>Query-key pairs of prefill sequences over the whole context (global layers).</summary>
    public double PrefillPairsFull;
    /// <summary>The full score rectangle s x (c + s) of prefill sequences (global layers, unfused attention).</summary>
    public double PrefillScoreElementsFull;
    /// <summary>Tokens whose K/V a global layer's prefill attention reads, summed.</summary>
    public double PrefillKvTokensFull;

    /// <summary>A shape with the given attention window.</summary>
    public static BatchShape Create(int slidingWindow = 0) => new() { SlidingWindow = slidingWindow };

    /// <summary>An empty shape for a model: its sliding window, or its attention chunk (Llama 4), or neither.</summary>
    public static BatchShape For(ModelSpec model) =>
        model.LocalAttentionIsChunked ? new() { AttentionChunk = model.AttentionChunkSize ?? 0 } : Create(model.SlidingWindow ?? 0);

    /// <summary>Adds a prefill chunk of <paramref name="newTokens"/> after <paramref name="cachedTokens"/> already in the KV cache.</summary>
    /// <param name="emitsToken">True when this is the prompt's last chunk, so the step produces its first output token.</param>
    public void AddPrefill(long newTokens, long cachedTokens = 0, bool emitsToken = true)
    {
        if (newTokens <= 0) return;
        NewTokens += newTokens;
        Sequences++;
        PrefillSequences++;
        PrefillTokens += newTokens;
        if (emitsToken) OutputTokens++;
        double full = CausalPairs(cachedTokens, newTokens, 0);
        long kv = cachedTokens + newTokens;
        PrefillPairsFull += full;
        PrefillKvTokensFull += kv;
        PrefillScoreElementsFull += (double)newTokens * kv;
        if (AttentionChunk > 0)
        {
            // Keys from the start of the first query's chunk onwards: each read once by the queries of its chunk.
            long inChunk = cachedTokens % AttentionChunk + newTokens;
            PrefillPairs += ChunkedPairs(cachedTokens, newTokens, AttentionChunk);
            PrefillKvTokens += inChunk;
            PrefillScoreElements += (double)newTokens * Math.Min(inChunk, AttentionChunk);
            return;
        }
        PrefillPairs += SlidingWindow > 0 ? CausalPairs(cachedTokens, newTokens, SlidingWindow) : full;
        PrefillKvTokens += SlidingWindow > 0 ? Math.Min(kv, SlidingWindow + newTokens) : kv;
        PrefillScoreElements += (double)newTokens * (SlidingWindow > 0 ? Math.Min(kv, SlidingWindow + newTokens) : kv);
    }

    /// <summary>Adds <paramref name="count"/> decode sequences, each with <paramref name="contextTokens"/> tokens already cached.</summary>
    public void AddDecode(long contextTokens, int count = 1)
    {
        if (count <= 0) return;
        NewTokens += count;
        Sequences += count;
        OutputTokens += count;
        DecodeSequences += count;
        long attended = contextTokens + 1;
        DecodePairsFull += (double)count * attended;
        DecodeKvTokensFull += (double)count * attended;
        if (SlidingWindow > 0) attended = Math.Min(attended, SlidingWindow);
        // Chunked: the new token at position c attends its chunk's c mod chunk earlier tokens and itself.
        if (AttentionChunk > 0) attended = contextTokens % AttentionChunk + 1;
        DecodePairs += (double)count * attended;
        DecodeKvTokens += (double)count * attended;
    }

    /// <summary>
    /// Adds one speculative-decoding verification: <paramref name="queryTokens"/> tokens (the last accepted token and
    /// k draft tokens) of one sequence with <paramref name="contextTokens"/> tokens cached go through the target model in
    /// one pass, each needing its logits. Attention runs the decode kernel with several queries per sequence (vLLM's
    /// and SGLang's target-verify path): the cached K/V is read once, the queries attend causally, so the pairs are
    /// those of a chunk after the context. Every query token counts as a decode row (query and MLA absorption rows).
    /// </summary>
    public void AddVerify(long contextTokens, int queryTokens)
    {
        if (queryTokens <= 0) return;
        NewTokens += queryTokens;
        Sequences++;
        OutputTokens += queryTokens;
        DecodeSequences += queryTokens;
        long kv = contextTokens + queryTokens;
        DecodePairsFull += CausalPairs(contextTokens, queryTokens, 0);
        DecodeKvTokensFull += kv;
        DecodePairs += SlidingWindow > 0 ? CausalPairs(contextTokens, queryTokens, SlidingWindow) : CausalPairs(contextTokens, queryTokens, 0);
        DecodeKvTokens += SlidingWindow > 0 ? Math.Min(kv, SlidingWindow + queryTokens - 1) : kv;
    }

    /// <summary>
    /// Query-key pairs a causal chunk of <paramref name="s"/> new tokens after <paramref name="c"/> cached ones attends:
    /// query j (1-based) sees c + j keys, capped at the window w. Sum_j min(c + j, w).
    /// </summary>
    public static double CausalPairs(long c, long s, int w)
    {
        double full = s * (double)c + s * (s + 1.0) / 2.0;
        if (w <= 0 || c + s <= w) return full;
        // Queries j with c + j <= w see c + j keys; the rest see w.
        long uncapped = Math.Max(0, Math.Min(s, w - c));
        double part = uncapped * (double)c + uncapped * (uncapped + 1.0) / 2.0;
        return part + (s - uncapped) * (double)w;
    }

    /// <summary>
    /// Query-key pairs of a chunk of <paramref name="s"/> new tokens after <paramref name="c"/> cached ones under chunked
    /// local attention with chunk <paramref name="chunk"/>: the query at 0-based position p attends (p mod chunk) + 1 keys.
    /// Sum over p = c .. c + s − 1, as F(c + s) − F(c) with F(n) = q·chunk(chunk + 1)/2 + r(r + 1)/2 for n = q·chunk + r.
    /// </summary>
    public static double ChunkedPairs(long c, long s, int chunk)
    {
        static double F(long n, int k)
        {
            long q = n / k, r = n % k;
            return q * (k * (k + 1.0) / 2.0) + r * (r + 1.0) / 2.0;
        }
        return F(c + s, chunk) - F(c, chunk);
    }
}
