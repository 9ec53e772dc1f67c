using System.Globalization;
using System.Text;
using Simulator.Core.Loading;

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
public readonly record struct TraceRow(double ArrivalSeconds, int InputTokens, int OutputTokens)
{
    /// <summary>The conversation it belongs to (optional <c>session_id</c> column), numbered from 1 in order of first appearance; 0: none.</summary>
    public int Session { get; init; }

    /// <summary>Its shared prefix group (optional <c>prefix_group</c> column), numbered from 1; 0: none.</summary>
    public int PrefixGroup { get; init; }

    /// <summary>Leading prompt tokens it shares with its prefix group (optional <c>prefix_tokens</c> column).</summary>
    public int PrefixTokens { get; init; }
}

/// <summary>A row of a trace that could not be used: its line number (1-based, header = 1) and why.</summary>
public readonly record struct BrokenRow(int Line, string Reason);

/// <summary>Why a row of a trace could not be used.</summary>
public enum BrokenRowKind
{
    /// <summary>Fewer cells than the columns the reader needs.</summary>
    TooFewCells,
    /// <summary>A timestamp that is not a number of seconds (BurstGPT) or not a date and time (Azure).</summary>
    BadTimestamp,
    /// <summary>A prompt token count that is not a whole number.</summary>
    BadPromptTokens,
    /// <summary>An output token count that is not a whole number.</summary>
    BadOutputTokens,
    /// <summary>A prompt of fewer than one token.</summary>
    NoPromptTokens,
    /// <summary>No generated tokens: a failed request.</summary>
    NoOutputTokens,
    /// <summary>A prefix group with a prefix_tokens cell that is not a whole number of tokens.</summary>
    BadPrefixTokens,
}

/// <summary>
/// The rows of a trace broken for one reason: how many, and the line numbers of the first
/// <see cref="KeptLines"/> of them.
/// </summary>
/// <param name="Description">What those rows have, to follow "N rows with", such as "a non-numeric timestamp".</param>
public sealed record BrokenRowGroup(BrokenRowKind Kind, string Description, int Count, IReadOnlyList<int> FirstLines)
{
    /// <summary>How many line numbers are kept per reason.</summary>
    public const int KeptLines = 5;

    /// <summary>Such as "120 rows with a non-numeric timestamp (lines 2, 3, 4, 5, 6, ...)".</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"{Count} row{(Count == 1 ? "" : "s")} with {Description} (line{(FirstLines.Count == 1 ? "" : "s")} {string.Join(", ", FirstLines)}{(Count > FirstLines.Count ? ", ..." : "")})");
}

/// <summary>
/// Requests read from a trace file, sorted by arrival (stable, so equal timestamps keep file order), with arrival
/// times counted from the earliest request. Broken rows are counted and the first few are kept with their line
/// numbers and reasons, and counted per reason with the first line numbers of each; none is dropped silently.
/// </summary>
public sealed record Trace(string Source, TraceFormat Format, IReadOnlyList<TraceRow> Rows, int BrokenRows, IReadOnlyList<BrokenRow> FirstBroken,
    IReadOnlyList<BrokenRowGroup> BrokenByReason)
{
    /// <summary>How many broken rows are kept with details.</summary>
    public const int KeptBrokenRows = 5;

    /// <summary>Seconds from the first to the last arrival.</summary>
    public double SpanSeconds => Rows.Count == 0 ? 0 : Rows[^1].ArrivalSeconds;

    /// <summary>Names of the optional columns that give rows a session or a prefix group (case-insensitive).</summary>
    public static readonly IReadOnlyList<string> SessionColumns = ["session_id", "session", "conversation_id"];

    /// <summary>Names of the optional prefix-group column (case-insensitive); <c>prefix_tokens</c> says how many leading tokens the group shares.</summary>
    public static readonly IReadOnlyList<string> PrefixGroupColumns = ["prefix_group", "prefix_id"];

    /// <summary>Whether some row names a session or a prefix group.</summary>
    public bool HasPrefixColumns => Rows.Any(r => r.Session > 0 || r.PrefixGroup > 0);

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

    /// <summary>
    /// Why a trace without a usable row has none: per reason, how many rows and the first of their line numbers
    /// (such as "bad.csv: no usable rows: 120 rows with a non-numeric timestamp (lines 2, 3, 4, 5, 6, ...), 3 rows with
    /// too few cells (lines 50, 51, 52)"), or that it has a header and no data rows.
    /// </summary>
    public string NoUsableRowsMessage() => BrokenRows == 0
        ? $"{Source}: no usable rows: the file has a header and no data rows"
        : $"{Source}: no usable rows: {string.Join(", ", BrokenByReason)}";
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

    /// <summary>
    /// Reads a whole trace. <paramref name="source"/> names it in messages (the file name). Blank lines are skipped;
    /// the first other line is the header; a quoted cell may hold line breaks, and line numbers are those of the file.
    /// </summary>
    public static Trace Read(TextReader reader, TraceFormat format, string source)
    {
        using var csv = Csv.Read(reader);
        string[]? names = null;
        int tCol = 0, inCol = 0, outCol = 0, needed = 0, sessionCol = -1, groupCol = -1, prefixCol = -1;
        var sessions = new Dictionary<string, int>(StringComparer.Ordinal);
        var groups = new Dictionary<string, int>(StringComparer.Ordinal);
        var rows = new List<TraceRow>(); // arrival times as read; shifted to the earliest below
        bool sorted = true;
        BrokenTally broken = null!;
        DateTime? firstTime = null;
        foreach (var row in csv)
        {
            if (Csv.IsBlank(row)) continue;
            int line = Csv.Line(row);
            if (names is null)
            {
                names = Csv.Cells(row);
                if (format == TraceFormat.BurstGpt)
                {
                    tCol = Column(names, "Timestamp", format, source, line);
                    inCol = Column(names, "Request tokens", format, source, line);
                    outCol = Column(names, "Response tokens", format, source, line);
                }
                else
                {
                    tCol = Column(names, "TIMESTAMP", format, source, line);
                    inCol = Column(names, "ContextTokens", format, source, line);
                    outCol = Column(names, "GeneratedTokens", format, source, line);
                }
                needed = Math.Max(tCol, Math.Max(inCol, outCol)) + 1;
                sessionCol = OptionalColumn(names, Trace.SessionColumns);
                groupCol = OptionalColumn(names, Trace.PrefixGroupColumns);
                prefixCol = OptionalColumn(names, ["prefix_tokens"]);
                if (groupCol >= 0 != prefixCol >= 0)
                    throw new TraceException($"{source}:{line}: a prefix group needs both columns, prefix_group and prefix_tokens (found only {(groupCol >= 0 ? names[groupCol] : names[prefixCol])})");
                broken = new BrokenTally(new Dictionary<BrokenRowKind, string>
                {
                    [BrokenRowKind.TooFewCells] = "too few cells",
                    [BrokenRowKind.BadTimestamp] = format == TraceFormat.BurstGpt ? "a non-numeric or negative timestamp" : "a timestamp that is not a date and time",
                    [BrokenRowKind.BadPromptTokens] = $"'{names[inCol]}' not a whole number",
                    [BrokenRowKind.BadOutputTokens] = $"'{names[outCol]}' not a whole number",
                    [BrokenRowKind.NoPromptTokens] = $"'{names[inCol]}' below 1",
                    [BrokenRowKind.NoOutputTokens] = $"'{names[outCol]}' below 1 (failed requests)",
                    [BrokenRowKind.BadPrefixTokens] = "a prefix_tokens cell that is not a whole number",
                });
                continue;
            }
            if (row.ColCount < needed)
            {
                broken.Add(line, BrokenRowKind.TooFewCells, broken.WantsReason ? $"{row.ColCount} columns, expected {names.Length}" : "");
                continue;
            }
            double t;
            var tCell = Csv.Cell(row, tCol);
            if (format == TraceFormat.BurstGpt)
            {
                if (!double.TryParse(tCell, NumberStyles.Float, CultureInfo.InvariantCulture, out t) || !double.IsFinite(t) || t < 0)
                {
                    broken.Add(line, BrokenRowKind.BadTimestamp, broken.WantsReason ? $"Timestamp '{tCell}' is not a time in seconds" : "");
                    continue;
                }
            }
            else
            {
                if (!DateTime.TryParseExact(tCell, AzureTimeFormats, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var dt))
                {
                    broken.Add(line, BrokenRowKind.BadTimestamp,
                        broken.WantsReason ? $"TIMESTAMP '{tCell}' is not a date and time such as 2023-11-16 18:15:46.6805900" : "");
                    continue;
                }
                firstTime ??= dt;
                t = (dt - firstTime.Value).TotalSeconds;
            }
            var inCell = Csv.Cell(row, inCol);
            if (!TryTokens(inCell, out int input))
            {
                broken.Add(line, BrokenRowKind.BadPromptTokens, broken.WantsReason ? $"{names[inCol]} '{inCell}' is not a whole number" : "");
                continue;
            }
            var outCell = Csv.Cell(row, outCol);
            if (!TryTokens(outCell, out int output))
            {
                broken.Add(line, BrokenRowKind.BadOutputTokens, broken.WantsReason ? $"{names[outCol]} '{outCell}' is not a whole number" : "");
                continue;
            }
            if (input < 1)
            {
                broken.Add(line, BrokenRowKind.NoPromptTokens,
                    broken.WantsReason ? $"{names[inCol]} is {input}; a request needs at least one prompt token" : "");
                continue;
            }
            if (output < 1)
            {
                broken.Add(line, BrokenRowKind.NoOutputTokens,
                    broken.WantsReason ? $"{names[outCol]} is {output}; no tokens were generated (a failed request)" : "");
                continue;
            }
            var traceRow = new TraceRow(t, input, output);
            if (sessionCol >= 0 || groupCol >= 0)
            {
                int session = 0, group = 0, shared = 0;
                string sid = sessionCol >= 0 && sessionCol < row.ColCount ? Csv.Cell(row, sessionCol).Trim().ToString() : "";
                if (sid.Length > 0 && !sessions.TryGetValue(sid, out session)) sessions[sid] = session = sessions.Count + 1;
                string gid = groupCol >= 0 && groupCol < row.ColCount ? Csv.Cell(row, groupCol).Trim().ToString() : "";
                if (gid.Length > 0)
                {
                    string pCell = prefixCol < row.ColCount ? Csv.Cell(row, prefixCol).ToString() : "";
                    if (!TryTokens(pCell, out shared) || shared < 0)
                    {
                        broken.Add(line, BrokenRowKind.BadPrefixTokens, broken.WantsReason ? $"prefix_tokens '{pCell}' is not a whole number of tokens" : "");
                        continue;
                    }
                    if (!groups.TryGetValue(gid, out group)) groups[gid] = group = groups.Count + 1;
                    shared = Math.Min(shared, input);
                }
                traceRow = traceRow with { Session = session, PrefixGroup = group, PrefixTokens = group > 0 ? shared : 0 };
            }
            if (rows.Count > 0 && t < rows[^1].ArrivalSeconds) sorted = false;
            rows.Add(traceRow);
        }
        if (names is null) throw new TraceException($"{source}: the file is empty; expected a CSV header ({Expected(format)})");

        // Traces are usually in time order already; otherwise sort by (time, file position), which keeps equal
        // timestamps in file order.
        var ordered = rows.ToArray();
        if (!sorted)
        {
            var keys = new (double T, int Index)[ordered.Length];
            for (int i = 0; i < keys.Length; i++) keys[i] = (ordered[i].ArrivalSeconds, i);
            Array.Sort(keys, ordered);
        }
        double t0 = ordered.Length == 0 ? 0 : ordered[0].ArrivalSeconds;
        for (int i = 0; i < ordered.Length; i++) ordered[i] = ordered[i] with { ArrivalSeconds = ordered[i].ArrivalSeconds - t0 };
        return new Trace(source, format, ordered, broken.Count, broken.First, broken.Groups());
    }

    private static int Column(string[] names, string name, TraceFormat format, string source, int line)
    {
        for (int i = 0; i < names.Length; i++)
            if (string.Equals(names[i], name, StringComparison.OrdinalIgnoreCase)) return i;
        throw new TraceException($"{source}:{line}: the header has no '{name}' column; a {(format == TraceFormat.BurstGpt ? "BurstGPT" : "Azure")} trace has the columns {Expected(format)} (found: {string.Join(", ", names)})");
    }

    private static int OptionalColumn(string[] names, IReadOnlyList<string> accepted)
    {
        for (int i = 0; i < names.Length; i++)
            foreach (var a in accepted)
                if (string.Equals(names[i], a, StringComparison.OrdinalIgnoreCase)) return i;
        return -1;
    }

    private static string Expected(TraceFormat format) => format == TraceFormat.BurstGpt
        ? "Timestamp, Model, Request tokens, Response tokens, Total tokens, Log Type"
        : "TIMESTAMP, ContextTokens, GeneratedTokens";

    private static bool TryTokens(ReadOnlySpan<char> s, out int value)
    {
        if (int.TryParse(s, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value)) return true;
        // Some exports write counts as 123.0.
        if (double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out double d) && d == Math.Floor(d) && Math.Abs(d) < int.MaxValue)
        {
            value = (int)d;
            return true;
        }
        return false;
    }

    /// <summary>Counts broken rows: the first few with their reasons, and per kind a count and the first line numbers.</summary>
    private sealed class BrokenTally(IReadOnlyDictionary<BrokenRowKind, string> descriptions)
    {
        private readonly Dictionary<BrokenRowKind, (int Count, List<int> Lines)> _byKind = [];
        public readonly List<BrokenRow> First = [];
        public int Count;

        /// <summary>Whether the next broken row's reason is kept (so reasons are formatted only for the first few).</summary>
        public bool WantsReason => First.Count < Trace.KeptBrokenRows;

        public void Add(int line, BrokenRowKind kind, string reason)
        {
            Count++;
            if (WantsReason) First.Add(new BrokenRow(line, reason));
            if (!_byKind.TryGetValue(kind, out var g)) g = (0, []);
            if (g.Lines.Count < BrokenRowGroup.KeptLines) g.Lines.Add(line);
            _byKind[kind] = (g.Count + 1, g.Lines);
        }

        /// <summary>Reasons, most frequent first (ties: the one seen first in the file).</summary>
        public BrokenRowGroup[] Groups() => _byKind
            .Select(e => new BrokenRowGroup(e.Key, descriptions[e.Key], e.Value.Count, e.Value.Lines))
            .OrderByDescending(g => g.Count).ThenBy(g => g.FirstLines[0]).ToArray();
    }
}
