using Simulator.Core.Units;

namespace Simulator.Core.Loading;

/// <summary>
/// Reads named fields of one object in an input file (a YAML mapping or a JSON object), recording every
/// problem with its line and field path instead of throwing. Fields that were never asked for are reported
/// by <see cref="Finish"/> as unknown, with the nearest known name.
/// </summary>
public interface IFieldReader
{
    /// <summary>The file being read.</summary>
    string File { get; }

    /// <summary>Line of this object in the file (1-based).</summary>
    int Line { get; }

    /// <summary>Whether the field is present with a non-null value (marks it as known).</summary>
    bool Has(string key);

    /// <summary>Whether the key is present at all, even with a null value (marks it as known).</summary>
    bool Mentions(string key);

    /// <summary>A list of whole numbers; empty when absent.</summary>
    IReadOnlyList<long> IntList(string key);

    /// <summary>A list of strings; empty when absent.</summary>
    IReadOnlyList<string> StrList(string key);

    /// <summary>A string field; null when absent (an error when required).</summary>
    string? Str(string key, bool required = false);

    /// <summary>An integer field within [min, max].</summary>
    long? Int(string key, bool required = false, long min = 1, long max = 1_000_000_000);

    /// <summary>A true/false field.</summary>
    bool? Bool(string key);

    /// <summary>A plain number (no unit) within [min, max].</summary>
    double? Number(string key, bool required = false, double min = 0, double max = 1e12);

    /// <summary>A quantity with a unit, converted to SI; must be positive (or zero when allowed) and at most <paramref name="max"/>.</summary>
    double? Quantity(string key, QuantityKind kind, bool required = false, double max = double.MaxValue, bool allowZero = false);

    /// <summary>Records a problem with a field of this object.</summary>
    void Error(string key, string message);

    /// <summary>Marks fields as known without reading them (accepted and ignored).</summary>
    void Ignore(params string[] keys);

    /// <summary>Reports every field that was never asked for as unknown.</summary>
    void Finish();
}
