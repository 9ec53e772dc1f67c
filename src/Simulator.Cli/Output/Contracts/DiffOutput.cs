using System.ComponentModel;

namespace Simulator.Cli.Output.Contracts;

/// <summary><c>llmsim diff --format json</c>: two results of one kind side by side.</summary>
public sealed record DiffOutput(
    [property: Description("plan, simulation or estimate")] string Kind,
    DiffSide A,
    DiffSide B,
    [property: Description("Every figure of the two results, in a fixed order")] IReadOnlyList<DiffMetric> Metrics,
    [property: Description("Settings that differ between the two")] IReadOnlyList<DiffChange> Changed,
    [property: Description("One line: the headline figures' changes and what changed")] string Summary);

/// <summary>One of the two results compared.</summary>
public sealed record DiffSide(
    [property: Description("The file as given")] string File,
    [property: Description("The plan, or the cluster and workload, in one line")] string Title,
    [property: Description("What was run: field to value, as text")] IReadOnlyDictionary<string, string> Setup);

/// <summary>One figure of both results.</summary>
public sealed record DiffMetric(
    string Name,
    [property: Description("s, USD/h, USD, req/s, tokens/s, W, J, B, USD/Mtok, fraction or count")] string Unit,
    double? A,
    double? B,
    [property: Description("B - A")] double? Difference,
    [property: Description("(B - A) / |A|; null when A is 0 or missing")] double? Relative,
    [property: Description("a, b, same, or empty when one is missing")] string Better);

/// <summary>A setting that differs.</summary>
public sealed record DiffChange(string Field, string A, string B);
