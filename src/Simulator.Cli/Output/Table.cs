using System.Globalization;
using System.Text;
using Simulator.Core.Loading;

namespace Simulator.Cli.Output;

/// <summary>Output formats every data-printing verb accepts.</summary>
public enum OutputFormat { Table, Json, Csv }

/// <summary>
/// Rows of named columns rendered as an aligned text table or CSV (<see cref="Csv"/>: RFC 4180 quoting). CSV carries
/// raw SI numbers; the table carries the human-readable text. JSON outputs are typed records (<see cref="JsonOutput"/>).
/// </summary>
public sealed class Table
{
    private readonly List<string> _columns = [];
    private readonly List<(string[] Text, object?[] Raw)> _rows = [];
    private readonly List<string> _rightAligned = [];

    public Table(params string[] columns) => _columns.AddRange(columns);

    /// <summary>Marks columns whose text is right-aligned (numbers).</summary>
    public Table AlignRight(params string[] columns)
    {
        _rightAligned.AddRange(columns);
        return this;
    }

    /// <summary>Adds a row: each cell is (display text, raw value for JSON/CSV).</summary>
    public void Add(params (string Text, object? Raw)[] cells)
    {
        if (cells.Length != _columns.Count) throw new ArgumentException($"row has {cells.Length} cells, table has {_columns.Count} columns");
        _rows.Add((cells.Select(c => c.Text).ToArray(), cells.Select(c => c.Raw).ToArray()));
    }

    public int Count => _rows.Count;

    /// <summary>Widest a cell is printed; longer text wraps onto continuation lines at spaces (machine formats keep it whole).</summary>
    public int MaxCellWidth { get; init; } = 80;

    /// <summary>Renders as an aligned text table; long cells wrap within <see cref="MaxCellWidth"/> columns.</summary>
    public string ToText()
    {
        var wrapped = _rows.Select(r => r.Text.Select(t => Wrap(t, MaxCellWidth)).ToArray()).ToList();
        var widths = _columns.Select((c, i) => Math.Max(c.Length, wrapped.Count == 0 ? 0 : wrapped.Max(r => r[i].Max(l => l.Length)))).ToArray();
        var sb = new StringBuilder();
        void Line(IReadOnlyList<string> cells)
        {
            for (int i = 0; i < cells.Count; i++)
            {
                bool right = _rightAligned.Contains(_columns[i]);
                string cell = right ? cells[i].PadLeft(widths[i]) : cells[i].PadRight(widths[i]);
                sb.Append(i == 0 ? "" : "  ").Append(i == cells.Count - 1 && !right ? cell.TrimEnd() : cell);
            }
            // A row whose last cells are empty continuation lines ends without trailing spaces.
            while (sb.Length > 0 && sb[^1] == ' ') sb.Length--;
            sb.Append('\n');
        }
        Line(_columns);
        Line(widths.Select(w => new string('-', w)).ToArray());
        foreach (var r in wrapped)
        {
            int lines = r.Max(c => c.Length);
            for (int k = 0; k < lines; k++) Line(r.Select(c => k < c.Length ? c[k] : "").ToArray());
        }
        return sb.ToString();
    }

    /// <summary>Splits text into lines of at most <paramref name="width"/> characters, at spaces where it can.</summary>
    public static string[] Wrap(string text, int width)
    {
        if (text.Length <= width && text.IndexOf('\n') < 0) return [text];
        var lines = new List<string>();
        foreach (var para in text.Replace("\r", "").Split('\n'))
        {
            string rest = para.Trim();
            while (rest.Length > width)
            {
                int cut = rest.LastIndexOf(' ', width);
                if (cut <= 0) cut = width;
                lines.Add(rest[..cut].TrimEnd());
                rest = rest[cut..].TrimStart();
            }
            lines.Add(rest);
        }
        return lines.ToArray();
    }

    /// <summary>Renders as CSV with a header row; raw values, invariant culture (<see cref="Csv.Text(object?)"/>), lines end with \n.</summary>
    public string ToCsv()
    {
        var text = new StringWriter(CultureInfo.InvariantCulture) { NewLine = "\n" };
        using (var csv = Csv.Write(text))
        {
            Csv.WriteRow(csv, _columns);
            foreach (var r in _rows) Csv.WriteRow(csv, r.Raw.Select(Csv.Text).ToArray());
        }
        return text.ToString();
    }
}
