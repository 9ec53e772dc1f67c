using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Simulator.Core.Loading;

namespace Simulator.Cli.Output;

/// <summary>Output formats every data-printing verb accepts.</summary>
public enum OutputFormat { Table, Json, Csv }

/// <summary>
/// Rows of named columns rendered as an aligned text table, CSV (<see cref="Csv"/>: RFC 4180 quoting) or a JSON array.
/// Machine formats carry raw SI numbers; the table carries the human-readable text.
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

    /// <summary>Renders as an aligned text table.</summary>
    public string ToText()
    {
        var widths = _columns.Select((c, i) => Math.Max(c.Length, _rows.Count == 0 ? 0 : _rows.Max(r => r.Text[i].Length))).ToArray();
        var sb = new StringBuilder();
        void Line(IReadOnlyList<string> cells)
        {
            for (int i = 0; i < cells.Count; i++)
            {
                bool right = _rightAligned.Contains(_columns[i]);
                string cell = right ? cells[i].PadLeft(widths[i]) : cells[i].PadRight(widths[i]);
                sb.Append(i == 0 ? "" : "  ").Append(i == cells.Count - 1 && !right ? cell.TrimEnd() : cell);
            }
            sb.Append('\n');
        }
        Line(_columns);
        Line(widths.Select(w => new string('-', w)).ToArray());
        foreach (var r in _rows) Line(r.Text);
        return sb.ToString();
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

    /// <summary>Renders as a JSON array of objects keyed by column name.</summary>
    public JsonArray ToJson()
    {
        var array = new JsonArray();
        foreach (var r in _rows)
        {
            var o = new JsonObject();
            for (int i = 0; i < _columns.Count; i++) o[_columns[i]] = Json.Node(r.Raw[i]);
            array.Add(o);
        }
        return array;
    }
}

/// <summary>JSON helpers: NaN becomes null (JSON has no NaN), doubles keep full precision.</summary>
public static class Json
{
    public static readonly JsonSerializerOptions Options = new() { WriteIndented = true };

    public static JsonNode? Node(object? v) => v switch
    {
        null => null,
        double d when double.IsNaN(d) || double.IsInfinity(d) => null,
        double d => JsonValue.Create(d),
        int i => JsonValue.Create(i),
        long l => JsonValue.Create(l),
        bool b => JsonValue.Create(b),
        string s => JsonValue.Create(s),
        JsonNode n => n,
        IEnumerable<string> list => new JsonArray(list.Select(x => (JsonNode?)JsonValue.Create(x)).ToArray()),
        _ => JsonValue.Create(v.ToString()),
    };

    public static string Write(JsonNode node) => node.ToJsonString(Options) + "\n";
}
