namespace Simulator.Core.Specs;

/// <summary>
/// A set of decoder layers by 0-based index (which layers use sliding-window attention, for instance).
/// Immutable and compared by content, so specs that hold one stay value-equal records.
/// </summary>
public sealed class LayerSet : IEquatable<LayerSet>
{
    private readonly int[] _layers;

    /// <summary>The set of the given layer indices (duplicates collapse; order does not matter).</summary>
    public LayerSet(IEnumerable<int> layers)
    {
        _layers = layers.Distinct().Order().ToArray();
        if (_layers.Length > 0 && _layers[0] < 0)
            throw new ArgumentOutOfRangeException(nameof(layers), "layer indices are 0-based and not negative");
    }

    /// <summary>
    /// Layers 0..<paramref name="numLayers"/>-1 where every <paramref name="period"/>-th layer is left out:
    /// layer i is in the set when (i + 1) mod period ≠ 0. With period 2 that is layers 0, 2, 4, ... (Gemma 2's
    /// local layers); with period 6, five of every six, starting at layer 0 (Gemma 3). Same rule as
    /// transformers' Gemma2Config/Gemma3TextConfig layer_types.
    /// </summary>
    public static LayerSet AllButEvery(int period, int numLayers) =>
        new(Enumerable.Range(0, numLayers).Where(i => (i + 1) % period != 0));

    /// <summary>Layer indices in ascending order.</summary>
    public IReadOnlyList<int> Layers => _layers;

    /// <summary>Number of layers in the set.</summary>
    public int Count => _layers.Length;

    /// <summary>Whether layer <paramref name="layer"/> (0-based) is in the set.</summary>
    public bool Contains(int layer) => Array.BinarySearch(_layers, layer) >= 0;

    /// <summary>How many of the layers first .. first + count - 1 are in the set (a pipeline stage's share).</summary>
    public int CountIn(int first, int count)
    {
        int n = 0;
        foreach (int l in _layers)
            if (l >= first && l < first + count) n++;
        return n;
    }

    public bool Equals(LayerSet? other) => other is not null && _layers.AsSpan().SequenceEqual(other._layers);

    public override bool Equals(object? obj) => Equals(obj as LayerSet);

    public override int GetHashCode()
    {
        var h = new HashCode();
        foreach (int l in _layers) h.Add(l);
        return h.ToHashCode();
    }

    /// <summary>The indices as a YAML/JSON flow list: <c>[0, 2, 4]</c>.</summary>
    public override string ToString() => "[" + string.Join(", ", _layers) + "]";
}
