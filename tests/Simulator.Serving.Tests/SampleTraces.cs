using System.Globalization;
using System.Text;
using MathNet.Numerics.Distributions;
using MathNet.Numerics.Random;
using Simulator.Tests;

namespace Simulator.Serving.Tests;

/// <summary>
/// The sample traces shipped in workloads/traces/ are written by this generator (no downloads): 200 synthetic
/// requests each, lengths drawn from the presets, BurstGPT with bursty Gamma gaps (cv 2, 1 req/s), Azure with Poisson
/// gaps (2 req/s). Regenerate with <c>LLMSIM_WRITE_SAMPLES=1 dotnet test tests/Simulator.Serving.Tests --filter SampleTraces</c>.
/// </summary>
public class SampleTraces
{
    private static string Dir => Path.Combine(RepoPaths.Root, "workloads", "traces");

    public static string BurstGpt()
    {
        var rng = new Xoshiro256StarStar(2024, threadSafe: false);
        var sb = new StringBuilder("Timestamp,Model,Request tokens,Response tokens,Total tokens,Log Type\n");
        double t = 0;
        for (int i = 0; i < 200; i++)
        {
            t += Gamma.Sample(rng, 0.25, 0.25); // shape 1/cv^2 = 0.25, rate 0.25 x 1 req/s
            int input = Presets.Chat.Input.Sample(rng), output = Presets.Chat.Output.Sample(rng);
            string model = rng.NextDouble() < 0.7 ? "ChatGPT" : "GPT-4";
            string log = rng.NextDouble() < 0.8 ? "Conversation log" : "API log";
            sb.Append(CultureInfo.InvariantCulture, $"{t:0.###},{model},{input},{output},{input + output},{log}\n");
        }
        return sb.ToString();
    }

    public static string Azure()
    {
        var rng = new Xoshiro256StarStar(2023, threadSafe: false);
        var sb = new StringBuilder("TIMESTAMP,ContextTokens,GeneratedTokens\n");
        var t = new DateTime(2023, 11, 16, 18, 15, 46, DateTimeKind.Utc).AddTicks(6_805_900);
        for (int i = 0; i < 200; i++)
        {
            t = t.AddTicks((long)(Exponential.Sample(rng, 2) * TimeSpan.TicksPerSecond));
            sb.Append(CultureInfo.InvariantCulture, $"{t:yyyy-MM-dd HH:mm:ss.fffffff},{Presets.Code.Input.Sample(rng)},{Presets.Code.Output.Sample(rng)}\n");
        }
        return sb.ToString();
    }

    [Fact]
    public void The_shipped_samples_are_what_the_generator_writes()
    {
        var files = new[] { ("burstgpt-sample.csv", BurstGpt()), ("azure-sample.csv", Azure()) };
        if (Environment.GetEnvironmentVariable("LLMSIM_WRITE_SAMPLES") == "1")
        {
            Directory.CreateDirectory(Dir);
            foreach (var (name, text) in files) File.WriteAllText(Path.Combine(Dir, name), text);
        }
        foreach (var (name, text) in files) Assert.Equal(text, File.ReadAllText(Path.Combine(Dir, name)));
    }
}
