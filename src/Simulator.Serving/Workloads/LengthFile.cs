using System.Globalization;
using Simulator.Core.Loading;

namespace Simulator.Serving;

/// <summary>Reads a file of lengths for an empirical distribution: one number a line, or a CSV column by name.</summary>
public static class LengthFile
{
    /// <summary>
    /// The lengths in <paramref name="path"/>: the first column, or the column named <paramref name="column"/> in the
    /// header on line 1. Blank lines are skipped; a first line that is not a number is a header.
    /// </summary>
    public static IReadOnlyList<int> Read(string path, string? column)
    {
        if (!File.Exists(path)) throw new FormatException($"{path}: file not found");
        var values = new List<int>();
        int col = 0;
        using var text = new StreamReader(path);
        using var csv = Csv.Read(text);
        foreach (var row in csv)
        {
            if (Csv.IsBlank(row)) continue;
            int line = Csv.Line(row);
            if (line == 1 && column is not null)
            {
                var names = Csv.Cells(row);
                col = Array.FindIndex(names, c => string.Equals(c, column, StringComparison.OrdinalIgnoreCase));
                if (col < 0) throw new FormatException($"{path}:1: no column '{column}' (found: {string.Join(", ", names)})");
                continue;
            }
            var cell = col < row.ColCount ? Csv.Cell(row, col) : [];
            if (int.TryParse(cell, NumberStyles.None, CultureInfo.InvariantCulture, out int v) && v >= 1) values.Add(v);
            else if (double.TryParse(cell, NumberStyles.Float, CultureInfo.InvariantCulture, out double d) && d >= 1 && d == Math.Floor(d) && d <= WorkloadFile.MaxTokens) values.Add((int)d);
            else if (line == 1) continue; // a header line
            else throw new FormatException($"{path}:{line}: '{cell}' is not a token count (a whole number of at least 1)");
        }
        return values;
    }
}
