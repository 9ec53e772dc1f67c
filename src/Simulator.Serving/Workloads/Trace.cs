using System.Globalization;
using System.Text;

namespace Simulator.Serving;

/// <summary>Formats of request traces the reader understands.</summary>
public enum TraceFormat
{
    /// <summary>BurstGPT (Wang et al., 2024): Timestamp (seconds), Model, Request tokens, Response tokens, Total tokens, Log Type.</summary>
    BurstGpt,
    /// <summary>Azure LLM inference trace (Patel et al., Splitwise, 2024): TIMESTAMP (date-time), ContextTokens, GeneratedTokens.</summary>
    Azure,
}

/// <summary>One recorded request: arrival time from the trace's first request, prompt and output tokens.</summary>
public readonly record struct TraceRow(double ArrivalSeconds, int InputTokens, int OutputTokens);

/// <summary>A row of a trace that could not be used: its line number (1-based, header = 1) and why.</summary>
public readonly record struct BrokenRow(int Line, string Reason);

/// <summary>
/// Requests read from a trace file, sorted by arrival (stable, so equal timestamps keep file order), with arrival
/// times counted from the earliest request. Broken rows are counted and the first few are kept with their line
/// numbers and reasons; none is dropped silently.
/// </summary>
public sealed record Trace(string Source, TraceFormat Format, IReadOnlyList<TraceRow> Rows, int BrokenRows, IReadOnlyList<BrokenRow> FirstBroken)
{
    /// <summary>How many broken rows are kept with details.</summary>
    public const int KeptBrokenRows = 5;

    /// <summary>Seconds from the first to the last arrival.</summary>
    public double SpanSeconds => Rows.Count == 0 ? 0 : Rows[^1].ArrivalSeconds;

    public double MeanInputTokens => Rows.Count == 0 ? 0 : Rows.Average(r => (double)r.InputTokens);
    public double MeanOutputTokens => Rows.Count == 0 ? 0 : Rows.Average(r => (double)r.OutputTokens);

    /// <summary>The trace replayed <paramref name="speedup"/> times faster (arrival times divided by it; 0.5 = half speed).</summary>
    public Trace TimeScaled(double speedup)
    {
        if (!(speedup > 0) || double.IsInfinity(speedup)) throw new ArgumentOutOfRangeException(nameof(speedup), "the time scale must be a positive number");
        if (speedup == 1) return this;
        return this with { Rows = Rows.Select(r => r with { ArrivalSeconds = r.ArrivalSeconds / speedup }).ToArray() };
    }

    /// <summary>One line saying how many rows were unusable and where the first ones are, or null when none were.</summary>
    public string? BrokenSummary()
    {
        if (BrokenRows == 0) return null;
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"{Source}: {BrokenRows} broken row{(BrokenRows == 1 ? "" : "s")} skipped (");
        sb.Append(string.Join("; ", FirstBroken.Select(b => $"line {b.Line}: {b.Reason}")));
        if (BrokenRows > FirstBroken.Count) sb.Append("; ...");
        sb.Append(')');
        return sb.ToString();
    }
}

/// <summary>A trace that cannot be read at all (no header, a required column missing).</summary>
public sealed class TraceException(string message) : Exception(message);

/// <summary>Reads BurstGPT and Azure CSV traces from text (the caller opens the file).</summary>
public static class TraceReader
{
    private static readonly string[] AzureTimeFormats =
    [
        "yyyy-MM-dd HH:mm:ss.FFFFFFF", "yyyy-MM-dd HH:mm:ss", "yyyy-MM-ddTHH:mm:ss.FFFFFFF", "yyyy-MM-ddTHH:mm:ss",
        "yyyy-MM-dd HH:mm:ss.FFFFFFFzzz", "yyyy-MM-ddTHH:mm:ss.FFFFFFFzzz", "yyyy-MM-ddTHH:mm:ss.FFFFFFFK",
    ];

    /// <summary>Reads a whole trace. <paramref name="source"/> names it in messages (the file name).</summary>
    public static Trace Read(TextReader reader, TraceFormat format, string source)
    {
        string? header = reader.ReadLine();
        int line = 1;
        while (header is not null && header.Trim().Length == 0) { header = reader.ReadLine(); line++; }
        if (header is null) throw new TraceException($"{source}: the file is empty; expected a CSV header ({Expected(format)})");
        var names = SplitCsv(header.TrimStart('\uFEFF'));
        int Col(string name, bool required)
        {
            for (int i = 0; i < names.Count; i++)
                if (string.Equals(names[i].Trim(), name, StringComparison.OrdinalIgnoreCase)) return i;
            if (required)
                throw new TraceException($"{source}:{line}: the header has no '{name}' column; a {(format == TraceFormat.BurstGpt ? "BurstGPT" : "Azure")} trace has the columns {Expected(format)} (found: {string.Join(", ", names)})");
            return -1;
        }
        int tCol, inCol, outCol;
        if (format == TraceFormat.BurstGpt) { tCol = Col("Timestamp", true); inCol = Col("Request tokens", true); outCol = Col("Response tokens", true); }
        else { tCol = Col("TIMESTAMP", true); inCol = Col("ContextTokens", true); outCol = Col("GeneratedTokens", true); }
        int needed = Math.Max(tCol, Math.Max(inCol, outCol)) + 1;

        var rows = new List<(double T, int In, int Out)>();
        var broken = new List<BrokenRow>();
        int brokenCount = 0;
        void Broken(int at, string reason)
        {
            brokenCount++;
            if (broken.Count < Trace.KeptBrokenRows) broken.Add(new BrokenRow(at, reason));
        }
        DateTime? firstTime = null;
        string? text;
        while ((text = reader.ReadLine()) is not null)
        {
            line++;
            if (text.Trim().Length == 0) continue;
            var cells = SplitCsv(text);
            if (cells.Count < needed) { Broken(line, $"{cells.Count} columns, expected {names.Count}"); continue; }
            double t;
            if (format == TraceFormat.BurstGpt)
            {
                if (!double.TryParse(cells[tCol], NumberStyles.Float, CultureInfo.InvariantCulture, out t) || !double.IsFinite(t) || t < 0)
                { Broken(line, $"Timestamp '{cells[tCol]}' is not a time in seconds"); continue; }
            }
            else
            {
                if (!TryAzureTime(cells[tCol].Trim(), out var dt)) { Broken(line, $"TIMESTAMP '{cells[tCol]}' is not a date and time such as 2023-11-16 18:15:46.6805900"); continue; }
                firstTime ??= dt;
                t = (dt - firstTime.Value).TotalSeconds;
            }
            if (!TryTokens(cells[inCol], out int input)) { Broken(line, $"{names[inCol].Trim()} '{cells[inCol]}' is not a whole number"); continue; }
            if (!TryTokens(cells[outCol], out int output)) { Broken(line, $"{names[outCol].Trim()} '{cells[outCol]}' is not a whole number"); continue; }
            if (input < 1) { Broken(line, $"{names[inCol].Trim()} is {input}; a request needs at least one prompt token"); continue; }
            if (output < 1) { Broken(line, $"{names[outCol].Trim()} is {output}; no tokens were generated (a failed request)"); continue; }
            rows.Add((t, input, output));
        }
        // Stable sort by time (List.Sort is not stable; order by index as the tie-break).
        var order = Enumerable.Range(0, rows.Count).OrderBy(i => rows[i].T).ThenBy(i => i).ToArray();
        double t0 = rows.Count == 0 ? 0 : rows[order[0]].T;
        var sorted = new TraceRow[rows.Count];
        for (int i = 0; i < order.Length; i++)
        {
            var r = rows[order[i]];
            sorted[i] = new TraceRow(r.T - t0, r.In, r.Out);
        }
        return new Trace(source, format, sorted, brokenCount, broken);
    }

    private static string Expected(TraceFormat format) => format == TraceFormat.BurstGpt
        ? "Timestamp, Model, Request tokens, Response tokens, Total tokens, Log Type"
        : "TIMESTAMP, ContextTokens, GeneratedTokens";

    private static bool TryTokens(string s, out int value)
    {
        s = s.Trim();
        if (int.TryParse(s, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value)) return true;
        // Some exports write counts as 123.0.
        if (double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out double d) && d == Math.Floor(d) && Math.Abs(d) < int.MaxValue)
        {
            value = (int)d;
            return true;
        }
        return false;
    }

    private static bool TryAzureTime(string s, out DateTime value)
    {
        if (DateTime.TryParseExact(s, AzureTimeFormats, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out value))
            return true;
        return false;
    }

    /// <summary>Splits one CSV line (RFC 4180 quotes; no line breaks inside fields).</summary>
    public static List<string> SplitCsv(string line)
    {
        var cells = new List<string>();
        var sb = new StringBuilder();
        bool quoted = false;
        for (int i = 0; i < line.Length; i++)
        {
            char c = line[i];
            if (quoted)
            {
                if (c == '"')
                {
                    if (i + 1 < line.Length && line[i + 1] == '"') { sb.Append('"'); i++; }
                    else quoted = false;
                }
                else sb.Append(c);
            }
            else if (c == '"') quoted = true;
            else if (c == ',') { cells.Add(sb.ToString()); sb.Clear(); }
            else sb.Append(c);
        }
        cells.Add(sb.ToString().TrimEnd('\r'));
        return cells;
    }
}
