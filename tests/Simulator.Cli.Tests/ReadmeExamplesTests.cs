using System.Text;
using System.Text.RegularExpressions;
using Simulator.Tests;

namespace Simulator.Cli.Tests;

/// <summary>
/// The README's worked examples are what the tool prints today: every ```text block that starts with
/// <c>$ llmsim ...</c> is run from the repository root (files it writes go to a temporary folder) and its output
/// compared line by line: stdout, or stderr then stdout when the block shows a warning or a "wrote" line. A line "..."
/// stands for any number of lines left out, and " ... " inside a line for any text left out; everything else must
/// match exactly (trailing spaces aside).
/// </summary>
public class ReadmeExamplesTests
{
    public static IEnumerable<object[]> Examples()
    {
        string readme = File.ReadAllText(Path.Combine(RepoPaths.Root, "README.md"));
        foreach (Match m in Regex.Matches(readme, "```text\n(\\$ llmsim [^\n]*)\n(.*?)```", RegexOptions.Singleline))
            yield return [m.Groups[1].Value[2..], m.Groups[2].Value];
    }

    [Theory]
    [MemberData(nameof(Examples))]
    public void A_worked_example_prints_what_the_readme_shows(string command, string expected)
    {
        string temp = Path.Combine(Path.GetTempPath(), $"readme-{Guid.NewGuid():N}");
        Directory.CreateDirectory(temp);
        var args = Split(command).Skip(1).ToList();
        var written = new Dictionary<string, string>();
        for (int i = 0; i < args.Count; i++)
        {
            // Files and folders the example writes go to the temporary folder: outputs with an extension, and the folders
            // of --export and of -o where it names no number (estimate's --output is a token count).
            bool output = i > 0 && (args[i - 1] is "-o" or "--output" or "--plot" or "--requests-out" && Path.HasExtension(args[i])
                || args[i - 1] is "--export" || args[i - 1] is "-o" or "--output" && !args[i].All(char.IsAsciiDigit));
            if (output)
            {
                string to = Path.Combine(temp, Path.GetFileName(args[i]));
                written[to] = args[i];
                args[i] = to;
            }
            else if (!args[i].StartsWith('-') && args[i].Contains('/') && File.Exists(Path.Combine(RepoPaths.Root, args[i])))
                args[i] = Path.Combine(RepoPaths.Root, args[i]);
        }
        var (code, stdout, stderr) = CliRunner.Run(args.ToArray());
        Directory.Delete(temp, true);
        Assert.True(code is 0 or 3, $"{command}: exit {code}: {stderr}");
        // Print paths as the README's command wrote them.
        foreach (var (to, from) in written)
        {
            stderr = stderr.Replace(to, from);
            stdout = stdout.Replace(to, from);
        }
        stderr = stderr.Replace(RepoPaths.Root + "/", "");
        stdout = stdout.Replace(RepoPaths.Root + "/", "");
        var want = expected.TrimEnd('\n').Split('\n').Select(l => l.TrimEnd()).ToList();
        bool showsStderr = want.Any(l => l.StartsWith("warning:") || l.StartsWith("wrote "));
        var got = ((showsStderr ? stderr : "") + stdout).TrimEnd('\n').Split('\n').Select(l => l.TrimEnd()).ToList();
        int g = 0;
        for (int w = 0; w < want.Count; w++)
        {
            if (want[w] == "...")
            {
                // Skip to the next expected line.
                if (w + 1 == want.Count) return;
                while (g < got.Count && !Matches(want[w + 1], got[g])) g++;
                Assert.True(g < got.Count, $"{command}: README line '{want[w + 1]}' not printed\n--- printed:\n{stdout}");
                continue;
            }
            Assert.True(g < got.Count, $"{command}: README shows more lines than printed; missing '{want[w]}'\n--- printed:\n{stdout}");
            Assert.True(Matches(want[w], got[g]), $"{command}: line {w + 1} differs\n README: {want[w]}\n printed: {got[g]}\n--- printed:\n{stdout}");
            g++;
        }
        Assert.True(g == got.Count, $"{command}: printed more lines than the README shows (next: '{(g < got.Count ? got[g] : "")}')\n--- printed:\n{stdout}");
    }

    [Fact]
    public void The_readme_has_worked_examples_to_check()
    {
        Assert.True(Examples().Count() >= 3, "expected at least three `$ llmsim` examples in README.md");
    }

    /// <summary>A README line against a printed one: exact, except that " ... " inside the README line stands for any text.</summary>
    private static bool Matches(string readme, string printed)
    {
        if (!readme.Contains(" ... ")) return readme == printed;
        string pattern = "^" + string.Join(".*", readme.Split(" ... ").Select(Regex.Escape)) + "$";
        return Regex.IsMatch(printed, pattern);
    }

    /// <summary>Splits a command line as a shell would for the README's simple quoting ('...' and "...").</summary>
    private static List<string> Split(string line)
    {
        var parts = new List<string>();
        var cur = new StringBuilder();
        char quote = '\0';
        bool any = false;
        foreach (char c in line)
        {
            if (quote != '\0') { if (c == quote) quote = '\0'; else cur.Append(c); continue; }
            if (c is '\'' or '"') { quote = c; any = true; continue; }
            if (char.IsWhiteSpace(c)) { if (cur.Length > 0 || any) { parts.Add(cur.ToString()); cur.Clear(); any = false; } continue; }
            cur.Append(c);
        }
        if (cur.Length > 0 || any) parts.Add(cur.ToString());
        return parts;
    }
}
