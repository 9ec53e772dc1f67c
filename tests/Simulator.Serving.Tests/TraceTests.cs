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
