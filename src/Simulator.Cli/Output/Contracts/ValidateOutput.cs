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
