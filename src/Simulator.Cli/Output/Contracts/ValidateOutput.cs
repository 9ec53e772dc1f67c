using System.ComponentModel;

namespace Simulator.Cli.Output.Contracts;

/// <summary><c>llmsim validate --format json</c>: every measurement against its prediction, and the error per device and family.</summary>
public sealed record ValidateOutput(
    [property: Description("The calibration files applied, or what was used instead")] string CalibrationApplied,
    [property: Description("Rows read from the measured files")] int RowsRead,
    [property: Description("Measurements (a timing written as seconds, TFLOP/s and GB/s counts once)")] int Measurements,
    IReadOnlyList<ValidateRow> Rows,
    [property: Description("Error by device, then benchmark family")] IReadOnlyDictionary<string, IReadOnlyDictionary<string, ValidateFamily>> Summary);

/// <summary>One measurement and its prediction.</summary>
public sealed record ValidateRow(string File, int Line, string Benchmark, string Device, string? Dtype, string? Model, string Metric, double? Measured, double? Predicted,
    [property: Description("(predicted - measured) / measured, percent")] double? SignedPctError, double? AbsPctError, [property: Description("Why no prediction was made, or null")] string? Skipped);

/// <summary>The error of one benchmark family on one device.</summary>
public sealed record ValidateFamily(int Count, int Skipped, double? MedianAbsPctError, double? P90AbsPctError, double? MaxAbsPctError, double? BiasPct);

/// <summary><c>llmsim validate --measured RESULTS.json --format json</c>: serving runs simulated with their recorded setups.</summary>
public sealed record ServingValidateOutput(
    [property: Description("Serving runs read")] int Runs,
    [property: Description("Measured metrics compared")] int Comparisons,
    [property: Description("Which runs no fit ever used")] string HeldOut,
    [property: Description("Requests simulated per run at most (--max-requests)")] int MaxRequestsPerRun,
    IReadOnlyList<ServingValidateRow> Rows,
    [property: Description("Error per engine, load regime, metric and split")] IReadOnlyList<ServingValidateSummary> Summary,
    [property: Description("The accuracy targets on the held-out runs")] IReadOnlyList<ServingValidateTarget> Targets);

/// <summary>One measured metric of one serving run against the simulation of the same setup.</summary>
public sealed record ServingValidateRow(string File, int Line, [property: Description("Engine label of the run (engine@version)")] string Engine,
    [property: Description("The engine profile simulated")] string Profile, string Device, string Model, [property: Description("The run's setup in words")] string Setup,
    [property: Description("fit or held-out")] string Split, [property: Description("low, medium, high or max load")] string Regime, string Metric, double? Measured, double? Predicted,
    [property: Description("(predicted - measured) / measured, percent")] double? SignedPctError, [property: Description("Why no prediction was made, or null")] string? Skipped);

/// <summary>The error of one engine, regime, metric and split.</summary>
public sealed record ServingValidateSummary(string Engine, string Regime, string Metric, string Split, int Count, int Skipped, double? MedianAbsPctError, double? P90AbsPctError, double? BiasPct);

/// <summary>One accuracy target on the held-out runs.</summary>
public sealed record ServingValidateTarget(string Target, double LimitPct, double? ReachedPct, int HeldOutRows, bool Met);
