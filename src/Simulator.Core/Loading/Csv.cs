using System.Globalization;
using nietras.SeparatedValues;

namespace Simulator.Core.Loading;

/// <summary>
/// The one CSV dialect the tool reads and writes, on the Sep library: comma-separated, RFC 4180 quoting (a quoted
/// cell may hold commas, doubled quotes and line breaks), line ends <c>\n</c>, <c>\r\n</c> or <c>\r</c> when reading
/// and <c>\n</c> when writing, a UTF-8 byte-order mark ignored. Readers see every row, the header too, as cells;
/// rows may have any number of cells, so each reader can say which row is broken and why rather than stop.
/// </summary>
public static class Csv
{
    private static readonly SepReaderOptions ReaderOptions = Sep.New(',').Reader(o => o with
    {
        HasHeader = false,           // each reader finds its own header (after blank lines, with its own messages)
        Unescape = true,             // "a,""b""" reads as a,"b"
        DisableColCountCheck = true, // a short row is a broken row to report, not an exception
        CultureInfo = CultureInfo.InvariantCulture,
    });

    private static readonly SepWriterOptions WriterOptions = Sep.New(',').Writer(o => o with
    {
        WriteHeader = false, // headers are written as ordinary rows, so column names need not be unique
        Escape = true,       // quote cells holding a comma, quote, CR or LF; double the quotes inside
        CultureInfo = CultureInfo.InvariantCulture,
    });

    /// <summary>Rows of CSV text read from <paramref name="reader"/> (left open).</summary>
    public static SepReader Read(TextReader reader) => ReaderOptions.From(reader, leaveOpen: true);

    /// <summary>Rows of CSV text held in a string.</summary>
    public static SepReader Read(string text) => ReaderOptions.FromText(text);

    /// <summary>
    /// The 1-based line of the file on which <paramref name="row"/> starts (a row whose quoted cells hold line breaks
    /// spans several lines; later rows keep their physical line numbers).
    /// </summary>
    public static int Line(SepReader.Row row) =>
        // Sep reports the first row's start as its end line; the first row always starts on line 1.
        row.RowIndex == 0 ? 1 : row.LineNumberFrom;

    /// <summary>True for a row that is an empty or all-whitespace line. Look before reading any cell of the row.</summary>
    public static bool IsBlank(SepReader.Row row) => row.ColCount == 1 && row.Span.Trim().TrimStart('\uFEFF').IsEmpty;

    /// <summary>True for a line that starts with '#'. Look before reading any cell of the row.</summary>
    public static bool IsComment(SepReader.Row row) => row.Span.StartsWith("#", StringComparison.Ordinal);

    /// <summary>
    /// Cell <paramref name="index"/> of <paramref name="row"/>, quotes removed, surrounding whitespace trimmed, and a
    /// UTF-8 byte-order mark at the start of the text dropped.
    /// </summary>
    public static ReadOnlySpan<char> Cell(SepReader.Row row, int index)
    {
        var span = row[index].Span;
        if (index == 0 && row.RowIndex == 0) span = span.TrimStart('\uFEFF');
        return span.Trim();
    }

    /// <summary>Every cell of <paramref name="row"/> as trimmed strings (for headers and the rare broken row).</summary>
    public static string[] Cells(SepReader.Row row)
    {
        var cells = new string[row.ColCount];
        for (int i = 0; i < cells.Length; i++) cells[i] = Cell(row, i).ToString();
        return cells;
    }

    /// <summary>
    /// A CSV writer onto <paramref name="writer"/> (left open; each row goes to it when the row is disposed). Rows end
    /// with the writer's <see cref="TextWriter.NewLine"/>; the tool's files set it to <c>\n</c>.
    /// </summary>
    public static SepWriter Write(TextWriter writer) => WriterOptions.To(writer, leaveOpen: true);

    /// <summary>Writes one row of already formatted cells.</summary>
    public static void WriteRow(SepWriter writer, IReadOnlyList<string> cells)
    {
        using var row = writer.NewRow();
        for (int i = 0; i < cells.Count; i++) row[i].Set(cells[i]);
    }

    /// <summary>A number as CSV cell text: round-trips exactly ("R", invariant culture); NaN is an empty cell.</summary>
    public static string Text(double v) => double.IsNaN(v) ? "" : v.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>
    /// A value as CSV cell text: numbers in the invariant culture, doubles round-trip exactly ("R"), NaN and null
    /// empty, booleans <c>true</c>/<c>false</c>.
    /// </summary>
    public static string Text(object? v) => v switch
    {
        null => "",
        double d when double.IsNaN(d) => "",
        double d => Text(d),
        float f => f.ToString("R", CultureInfo.InvariantCulture),
        bool b => b ? "true" : "false",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => v.ToString() ?? "",
    };
}
