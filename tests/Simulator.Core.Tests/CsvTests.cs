using System.Text;
using System.Text.Json;
using Simulator.Core.Loading;
using Simulator.Tests;

namespace Simulator.Core.Tests;

/// <summary>The one CSV dialect (Sep underneath): RFC 4180 quoting, physical line numbers, BOM and CRLF, exact writing.</summary>
public class CsvTests
{
    private static List<(int Line, string[] Cells)> ReadAll(string text)
    {
        var rows = new List<(int, string[])>();
        using var csv = Csv.Read(text);
        foreach (var row in csv)
            if (!Csv.IsBlank(row)) rows.Add((Csv.Line(row), Csv.Cells(row)));
        return rows;
    }

    [Fact]
    public void Quoted_cells_hold_commas_doubled_quotes_and_line_breaks()
    {
        // Line 1: header; line 2: plain; lines 3-5: one row whose second cell holds two line breaks; line 6 blank;
        // line 7: the next row, numbered by its physical line.
        const string text = "a,b,c\n1,\"x,y\",\"say \"\"hi\"\"\"\n2,\"first\nsecond\n\",z\n\n3, padded ,\"\"\n";
        var rows = ReadAll(text);
        Assert.Equal([1, 2, 3, 7], rows.Select(r => r.Line));
        Assert.Equal(["1", "x,y", "say \"hi\""], rows[1].Cells);
        Assert.Equal(["2", "first\nsecond", "z"], rows[2].Cells); // trailing line break trimmed with the whitespace
        Assert.Equal(["3", "padded", ""], rows[3].Cells);
    }

    [Fact]
    public void A_multi_line_first_row_starts_on_line_1_and_the_next_row_keeps_its_line()
    {
        var rows = ReadAll("\"long\nheader\",b\r\n1,2\r\n");
        Assert.Equal([1, 3], rows.Select(r => r.Line));
        Assert.Equal("long\nheader", rows[0].Cells[0]);
    }

    [Fact]
    public void A_byte_order_mark_and_crlf_line_ends_read_as_the_clean_text()
    {
        const string clean = "name,value\nx,1\n\"q,r\",2\n";
        string dirty = "\uFEFF" + clean.Replace("\n", "\r\n");
        Assert.Equal(Flatten(ReadAll(clean)), Flatten(ReadAll(dirty)));
        // From a file's bytes, as the CLI reads them.
        var bytes = Encoding.UTF8.GetPreamble().Concat(Encoding.UTF8.GetBytes(dirty.TrimStart('\uFEFF'))).ToArray();
        using var reader = new StreamReader(new MemoryStream(bytes));
        using var csv = Csv.Read(reader);
        var fromBytes = new List<(int, string[])>();
        foreach (var row in csv) fromBytes.Add((Csv.Line(row), Csv.Cells(row)));
        Assert.Equal(Flatten(ReadAll(clean)), Flatten(fromBytes));
    }

    private static string Flatten(List<(int Line, string[] Cells)> rows) => string.Join("\n", rows.Select(r => r.Line + ":" + string.Join("|", r.Cells)));

    [Fact]
    public void Writing_quotes_only_cells_that_need_it_and_ends_lines_with_the_writers_newline()
    {
        var text = new StringWriter { NewLine = "\n" };
        using (var csv = Csv.Write(text))
        {
            Csv.WriteRow(csv, ["a", "b", "a"]); // header names need not be unique
            Csv.WriteRow(csv, ["x,y", "say \"hi\"", " padded "]);
            Csv.WriteRow(csv, ["two\nlines", "cr\r", ""]);
        }
        Assert.Equal("a,b,a\n\"x,y\",\"say \"\"hi\"\"\", padded \n\"two\nlines\",\"cr\r\",\n", text.ToString());
    }

    [Fact]
    public void Numbers_are_written_invariant_and_round_trip()
    {
        Assert.Equal("0.1", Csv.Text(0.1));
        Assert.Equal("1E-07", Csv.Text(1e-7));
        Assert.Equal("0.30000000000000004", Csv.Text(0.1 + 0.2));
        Assert.Equal("", Csv.Text(double.NaN));
        Assert.Equal("", Csv.Text((object?)null));
        Assert.Equal("true", Csv.Text((object)true));
        Assert.Equal("12345", Csv.Text((object)12345));
    }
}

/// <summary>Spec files saved by an editor with a UTF-8 byte-order mark and CRLF line ends load exactly as the clean files.</summary>
public class LineEndTests
{
    private static string Dirty(string source, string folder)
    {
        string text = File.ReadAllText(source).Replace("\r\n", "\n").Replace("\n", "\r\n");
        string path = Path.Combine(folder, Path.GetFileName(source));
        File.WriteAllBytes(path, [.. Encoding.UTF8.GetPreamble(), .. Encoding.UTF8.GetBytes(text)]);
        return path;
    }

    private static readonly JsonSerializerOptions Options = new() { NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals };

    /// <summary>Every public property, nested lists included (records compare lists by reference).</summary>
    private static string Json(object? value) => JsonSerializer.Serialize(value, Options);

    [Fact]
    public void A_hardware_profile_and_a_model_spec_with_bom_and_crlf_load_as_the_clean_files()
    {
        string folder = Path.Combine(Path.GetTempPath(), $"llmsim-crlf-{Guid.NewGuid():N}");
        Directory.CreateDirectory(folder);
        try
        {
            string profile = Path.Combine(RepoPaths.HardwareDir, "gpu", "h200-sxm.yaml");
            string model = Path.Combine(RepoPaths.ModelsDir, "llama-3.1-8b.yaml");
            string dirtyProfile = Dirty(profile, folder), dirtyModel = Dirty(model, folder);
            Assert.Equal(0xEF, File.ReadAllBytes(dirtyProfile)[0]);
            Assert.Contains("\r\n", File.ReadAllText(dirtyModel));

            // Everything but where the file was found.
            var clean = SpecFiles.LoadProfile(profile).OrThrow();
            var dirty = SpecFiles.LoadProfile(dirtyProfile).OrThrow() with { FilePath = clean.FilePath };
            Assert.Equal(Json(clean), Json(dirty));
            var cleanModel = SpecFiles.LoadModel(model).OrThrow();
            Assert.Equal(Json(cleanModel), Json(SpecFiles.LoadModel(dirtyModel).OrThrow() with { FilePath = cleanModel.FilePath }));
        }
        finally { Directory.Delete(folder, true); }
    }

    [Fact]
    public void Errors_in_a_bom_and_crlf_file_name_the_same_lines()
    {
        string folder = Path.Combine(Path.GetTempPath(), $"llmsim-crlf-{Guid.NewGuid():N}");
        Directory.CreateDirectory(folder);
        try
        {
            foreach (var name in new[] { "wrong-unit.yaml", "nan.yaml", "malformed.yaml" })
            {
                string source = Path.Combine(RepoPaths.Fixtures, "bad", name);
                var clean = SpecFiles.LoadProfile(source).Errors.Select(e => (e.Line, e.Field, e.Message)).ToArray();
                var dirty = SpecFiles.LoadProfile(Dirty(source, folder)).Errors.Select(e => (e.Line, e.Field, e.Message)).ToArray();
                Assert.NotEmpty(clean);
                Assert.Equal(clean, dirty);
            }
        }
        finally { Directory.Delete(folder, true); }
    }
}
