using System.ComponentModel;
using System.Text.Json.Nodes;

namespace Simulator.Cli.Output.Contracts;

/// <summary>One line of a sweep's JSON Lines output: one point of the grid.</summary>
public sealed record SweepLine(
    [property: Description("SHA-256 of the sweep file's text: lines of different sweeps are never merged")] string Sweep,
    [property: Description("The point's place in grid order, from 0")] long Index,
    [property: Description("Points in the whole sweep (all shards)")] long Of,
    [property: Description("The grid's values at this point, by option name")] JsonObject Point,
    [property: Description("The verb's exit code: 0 success; 2 bad input; 3 estimate does not fit; 4 plan infeasible")] int ExitCode,
    [property: Description("The verb's error message when it failed, else null")] string? Error,
    [property: Description("The verb's JSON output (its own schema), or null when it printed none")] JsonNode? Result);

/// <summary><c>llmsim sweep jobs --format json</c>: the job definitions written.</summary>
public sealed record SweepJobsOutput(string Sweep, long Points, int Shards, string Folder, IReadOnlyList<string> Files);
