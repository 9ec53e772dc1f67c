using System.Globalization;
using System.Text;
using BenchmarkDotNet.Attributes;
using Simulator.Serving;

namespace Simulator.Benchmarks;

/// <summary>
/// Reading a 1,000,000-row BurstGPT trace from disk, as <c>llmsim simulate --trace</c> does (issue "Trustworthy
/// answers": the hand-written splitter added about 3.5 s to such a run). The file is written once per run by
/// <see cref="WriteBurstGpt"/> into the temp folder.
/// </summary>
[MemoryDiagnoser]
public class TraceReadBenchmarks
{
    private string _path = "";

    [Params(1_000_000)]
    public int Rows;

    [GlobalSetup]
    public void Setup()
    {
        _path = Path.Combine(Path.GetTempPath(), $"llmsim-burstgpt-{Rows}.csv");
        using var w = new StreamWriter(_path, false, new UTF8Encoding(false));
        WriteBurstGpt(w, Rows);
    }

    [GlobalCleanup]
    public void Cleanup() => File.Delete(_path);

    /// <summary>
    /// A BurstGPT-format trace of <paramref name="rows"/> requests: timestamps 0.5 s apart with three decimals,
    /// two model names, prompt and output lengths from a fixed pseudo-random sequence, both log types. No randomness
    /// from the clock, so every run reads the same bytes.
    /// </summary>
    public static void WriteBurstGpt(TextWriter w, int rows)
    {
        w.Write("Timestamp,Model,Request tokens,Response tokens,Total tokens,Log Type\n");
        uint x = 2024;
        for (int i = 0; i < rows; i++)
        {
            x = x * 1664525 + 1013904223; // Numerical Recipes LCG
            int input = 1 + (int)(x >> 20) % 4096, output = 1 + (int)(x >> 8) % 512;
            w.Write(string.Create(CultureInfo.InvariantCulture,
                $"{i * 0.5 + (x & 1023) / 2048.0:0.###},{((x & 1) == 0 ? "ChatGPT" : "GPT-4")},{input},{output},{input + output},{((x & 2) == 0 ? "Conversation log" : "API log")}\n"));
        }
    }

    [Benchmark(Description = "read a BurstGPT trace from disk")]
    public int ReadBurstGpt()
    {
        using var reader = new StreamReader(_path);
        return TraceReader.Read(reader, TraceFormat.BurstGpt, _path).Rows.Count;
    }
}
