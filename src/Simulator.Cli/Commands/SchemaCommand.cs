using System.CommandLine;
using Simulator.Cli.Output;

namespace Simulator.Cli.Commands;

/// <summary>
/// <c>llmsim schema [NAME] [-o DIR]</c>: the JSON Schemas of the verbs' JSON outputs (generated from their output types)
/// and of scenario files (generated from the options); shipped in docs/schemas/.
/// </summary>
public static class SchemaCommand
{
    /// <summary>Every schema by name, with its text: the scenario file's and each output's.</summary>
    public static IReadOnlyList<(string Name, string Title, string Text)> All(CliContext ctx)
    {
        var list = new List<(string, string, string)>
        {
            ("scenario", "scenario files (input)", Options.Scenario.Schema(Cli.Build(new CliContext(TextWriter.Null, TextWriter.Null))).ToJsonString(JsonOutput.Options) + "\n"),
        };
        list.AddRange(OutputSchemas.All.Select(s => (s.Name, s.Title, OutputSchemas.Text(s))));
        return list;
    }

    public static Command Create(CliContext ctx)
    {
        var cmd = new Command("schema", "Print the JSON Schema of a JSON output or of scenario files; with -o, write them all into a folder");
        var name = new Argument<string?>("name") { Description = "Which schema (without it: the list)", HelpName = "NAME", Arity = ArgumentArity.ZeroOrOne };
        var output = new Option<string?>("--output", "-o") { Description = "Write every schema into this folder as NAME.schema.json" };
        cmd.Arguments.Add(name);
        cmd.Options.Add(output);
        cmd.SetAction(r =>
        {
            var all = All(ctx);
            if (r.GetValue(output) is { } folder)
            {
                if (File.Exists(folder)) throw new CliException($"--output: '{folder}' is a file; give a folder");
                Directory.CreateDirectory(folder);
                foreach (var (n, _, text) in all)
                {
                    string path = Path.Combine(folder, n + ".schema.json");
                    OutputFile.WriteAllText(path, text, "--output");
                    ctx.Err.WriteLine($"wrote {path}");
                }
                return 0;
            }
            if (r.GetValue(name) is not { } wanted)
            {
                foreach (var (n, title, _) in all) ctx.Out.WriteLine($"{n,-12} {title}");
                return 0;
            }
            var hit = all.FirstOrDefault(s => s.Name == wanted);
            if (hit.Text is null) throw new CliException($"no schema '{wanted}'; schemas: {string.Join(", ", all.Select(s => s.Name))}.{Core.Loading.NameMatcher.Suggest(wanted, all.Select(s => s.Name))}");
            ctx.Out.Write(hit.Text);
            return 0;
        });
        return cmd;
    }
}
