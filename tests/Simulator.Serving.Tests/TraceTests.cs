namespace Simulator.Serving.Tests;

/// <summary>Trace replay: BurstGPT and Azure formats, broken rows, time scaling.</summary>
public class TraceTests
{
    private const string BurstGpt = """
        Timestamp,Model,Request tokens,Response tokens,Total tokens,Log Type
        5,ChatGPT,472,18,490,Conversation log
        45,ChatGPT,1087,257,1344,Conversation log
        abc,ChatGPT,100,10,110,Conversation log
        118,GPT-4,417,0,417,Conversation log
        130,GPT-4,12
        140,"GPT-4, large",300,40,340,API log
        150,ChatGPT,-5,10,5,API log
        160,ChatGPT,20.0,30,50,API log
        """;

    [Fact]
    public void BurstGpt_broken_rows_are_counted_with_line_numbers_and_reasons()
    {
        var t = TraceReader.Read(new StringReader(BurstGpt), TraceFormat.BurstGpt, "burst.csv");
        Assert.Equal(4, t.Rows.Count);
        Assert.Equal(4, t.BrokenRows);
        Assert.Equal([4, 5, 6, 8], t.FirstBroken.Select(b => b.Line));
        Assert.Contains("Timestamp 'abc'", t.FirstBroken[0].Reason);
        Assert.Contains("no tokens were generated", t.FirstBroken[1].Reason);
        Assert.Contains("columns", t.FirstBroken[2].Reason);
        Assert.Equal(0, t.Rows[0].ArrivalSeconds);     // times count from the first request (5 s)
        Assert.Equal(40, t.Rows[1].ArrivalSeconds);
        Assert.Equal(new TraceRow(135, 300, 40), t.Rows[2]); // quoted comma kept inside the Model cell
        Assert.Equal(new TraceRow(155, 20, 30), t.Rows[3]);
        Assert.StartsWith("burst.csv: 4 broken rows skipped (line 4:", t.BrokenSummary());
    }

    [Fact]
    public void Broken_rows_are_counted_per_reason_with_their_first_lines()
    {
        var t = TraceReader.Read(new StringReader(BurstGpt), TraceFormat.BurstGpt, "burst.csv");
        // Lines 4 (timestamp abc), 5 (0 response tokens), 6 (3 cells), 8 (-5 request tokens): one row per reason.
        Assert.Equal(
            [(BrokenRowKind.BadTimestamp, 1, 4), (BrokenRowKind.NoOutputTokens, 1, 5), (BrokenRowKind.TooFewCells, 1, 6), (BrokenRowKind.NoPromptTokens, 1, 8)],
            t.BrokenByReason.Select(g => (g.Kind, g.Count, Assert.Single(g.FirstLines))));
        Assert.Equal("1 row with 'Response tokens' below 1 (failed requests) (line 5)", t.BrokenByReason[1].ToString());
    }

    [Fact]
    public void A_trace_without_a_usable_row_says_why_per_reason_with_line_numbers()
    {
        // 12 rows with a bad timestamp (lines 2-13), then 3 short rows (lines 14-16).
        var text = new System.Text.StringBuilder("Timestamp,Model,Request tokens,Response tokens,Total tokens,Log Type\n");
        for (int i = 0; i < 12; i++) text.Append("yesterday,ChatGPT,100,10,110,API log\n");
        for (int i = 0; i < 3; i++) text.Append("5,ChatGPT\n");
        var t = TraceReader.Read(new StringReader(text.ToString()), TraceFormat.BurstGpt, "bad.csv");
        Assert.Empty(t.Rows);
        Assert.Equal(15, t.BrokenRows);
        Assert.Equal("bad.csv: no usable rows: 12 rows with a non-numeric or negative timestamp (lines 2, 3, 4, 5, 6, ...), 3 rows with too few cells (lines 14, 15, 16)",
            t.NoUsableRowsMessage());
        var headerOnly = TraceReader.Read(new StringReader("TIMESTAMP,ContextTokens,GeneratedTokens\n\n"), TraceFormat.Azure, "empty.csv");
        Assert.Equal("empty.csv: no usable rows: the file has a header and no data rows", headerOnly.NoUsableRowsMessage());
    }

    [Fact]
    public void A_quoted_line_break_stays_in_its_row_and_later_rows_keep_their_file_lines()
    {
        const string text = "Timestamp,Model,Request tokens,Response tokens,Total tokens,Log Type\n"
            + "1,\"GPT-4\nsecond line of the model cell\",100,10,110,API log\n"   // lines 2-3: one row
            + "2,ChatGPT,200,20,220,\"Conversation\r\nlog\"\n"                  // lines 4-5: one row
            + "x,ChatGPT,300,30,330,API log\n";                                   // line 6: broken
        var t = TraceReader.Read(new StringReader(text), TraceFormat.BurstGpt, "q.csv");
        Assert.Equal([new TraceRow(0, 100, 10), new TraceRow(1, 200, 20)], t.Rows);
        Assert.Equal(6, Assert.Single(t.FirstBroken).Line);
    }

    [Fact]
    public void Out_of_order_rows_are_sorted_and_equal_times_keep_file_order()
    {
        const string text = "Timestamp,Model,Request tokens,Response tokens,Total tokens,Log Type\n"
            + "9,a,1,1,2,x\n3,a,2,2,4,x\n3,a,3,3,6,x\n1,a,4,4,8,x\n3,a,5,5,10,x\n";
        var t = TraceReader.Read(new StringReader(text), TraceFormat.BurstGpt, "o.csv");
        Assert.Equal([(0.0, 4), (2.0, 2), (2.0, 3), (2.0, 5), (8.0, 1)], t.Rows.Select(r => (r.ArrivalSeconds, r.InputTokens)));
    }

    private static byte[] WithBomAndCrlf(string text) =>
        [.. System.Text.Encoding.UTF8.GetPreamble(), .. System.Text.Encoding.UTF8.GetBytes(text.Replace("\r\n", "\n").Replace("\n", "\r\n"))];

    private static Trace ReadBytes(byte[] bytes, TraceFormat format)
    {
        using var reader = new StreamReader(new MemoryStream(bytes));
        return TraceReader.Read(reader, format, "t.csv");
    }

    [Theory]
    [InlineData("burstgpt-sample.csv", TraceFormat.BurstGpt)]
    [InlineData("azure-sample.csv", TraceFormat.Azure)]
    public void A_bom_and_crlf_trace_gives_the_same_rows_as_the_clean_file(string file, TraceFormat format)
    {
        // The shipped sample plus a few broken rows, so the broken-row lines are compared too.
        string clean = File.ReadAllText(Path.Combine(Simulator.Tests.RepoPaths.Root, "workloads", "traces", file))
            + (format == TraceFormat.BurstGpt ? "x,ChatGPT,1,1,2,API log\n9999,GPT-4\n" : "yesterday,1,1\n2023-11-16 18:15:46.6805900\n");
        var a = TraceReader.Read(new StringReader(clean), format, "t.csv");
        var b = ReadBytes(WithBomAndCrlf(clean), format);
        var c = TraceReader.Read(new StringReader("\uFEFF" + clean.Replace("\n", "\r\n")), format, "t.csv");
        Assert.Equal(200, a.Rows.Count);
        Assert.Equal(2, a.BrokenRows);
        foreach (var other in new[] { b, c })
        {
            Assert.Equal(a.Rows, other.Rows);
            Assert.Equal(a.FirstBroken, other.FirstBroken);
            Assert.Equal(a.BrokenByReason.Select(g => g.ToString()), other.BrokenByReason.Select(g => g.ToString()));
        }
    }

    [Fact]
    public void Azure_timestamps_are_date_times_with_seven_fraction_digits()
    {
        const string text = """
            TIMESTAMP,ContextTokens,GeneratedTokens
            2023-11-16 18:15:46.6805900,374,44
            2023-11-16 18:15:50.9951690,396,109
            2023-11-16 18:15:47.0000000,879,7
            yesterday,10,10
            2023-11-16 18:16:46.6805900,1020,
            """;
        var t = TraceReader.Read(new StringReader(text), TraceFormat.Azure, "azure.csv");
        Assert.Equal(3, t.Rows.Count);
        Assert.Equal(2, t.BrokenRows);
        Assert.Equal([5, 6], t.FirstBroken.Select(b => b.Line));
        // Sorted by time: 46.68059, 47.0, 50.995169.
        Assert.Equal(0, t.Rows[0].ArrivalSeconds);
        Assert.Equal(0.31941, t.Rows[1].ArrivalSeconds, 9);
        Assert.Equal(4.314579, t.Rows[2].ArrivalSeconds, 9);
        Assert.Equal(879, t.Rows[1].InputTokens);
    }

    [Fact]
    public void A_trace_without_its_columns_is_an_error_naming_them()
    {
        var e = Assert.Throws<TraceException>(() => TraceReader.Read(new StringReader("time,prompt,output\n1,2,3\n"), TraceFormat.Azure, "x.csv"));
        Assert.Contains("TIMESTAMP", e.Message);
        Assert.Contains("x.csv:1", e.Message);
        Assert.Throws<TraceException>(() => TraceReader.Read(new StringReader(""), TraceFormat.BurstGpt, "empty.csv"));
    }

    [Fact]
    public void Replay_uses_the_trace_times_and_lengths_and_time_scale_speeds_it_up()
    {
        var t = TraceReader.Read(new StringReader(BurstGpt), TraceFormat.BurstGpt, "burst.csv").TimeScaled(10);
        Assert.Equal(4, t.Rows[1].ArrivalSeconds, 12);
        var records = new RecordList();
        var work = new WorkloadSpec("trace", [new RequestClass("trace", 1, new FixedLength(1), new FixedLength(1), Slo.None)], new TraceArrivals(t));
        var r = ServingSimulator.Run(Setups.Cluster(Setups.Replica()), work, new RunOptions(), records);
        Assert.Equal(4, r.Requests);
        Assert.Equal(t.Rows.Select(x => x.ArrivalSeconds), records.Records.OrderBy(x => x.Id).Select(x => x.ArrivalTime));
        Assert.Equal(t.Rows.Select(x => x.OutputTokens), records.Records.OrderBy(x => x.Id).Select(x => x.OutputTokens));
    }

    [Fact]
    public void The_shipped_samples_read_without_broken_rows()
    {
        foreach (var (file, format) in new[] { ("burstgpt-sample.csv", TraceFormat.BurstGpt), ("azure-sample.csv", TraceFormat.Azure) })
        {
            string path = Path.Combine(Simulator.Tests.RepoPaths.Root, "workloads", "traces", file);
            using var reader = new StreamReader(path);
            var t = TraceReader.Read(reader, format, file);
            Assert.Equal(200, t.Rows.Count);
            Assert.Equal(0, t.BrokenRows);
        }
    }
}
