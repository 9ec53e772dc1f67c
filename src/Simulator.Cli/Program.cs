using System.CommandLine;
using Simulator.Cli;
using Simulator.Cli.Commands;
using Simulator.Core.Loading;

// Progress goes to stderr whenever stderr is a terminal, also when stdout is redirected (--format json > file).
return Cli.Run(args, Console.Out, Console.Error, interactive: !Console.IsErrorRedirected);

namespace Simulator.Cli
{
    /// <summary>The <c>llmsim</c> command line: builds the verbs and turns every user error into a message and an exit code.</summary>
    public static class Cli
    {
        /// <summary>Exit code for bad input (files, options, impossible requests).</summary>
        public const int BadInput = 2;

        /// <summary>Exit code of <c>plan</c> when no plan can meet the targets (the message says which constraint binds).</summary>
        public const int Infeasible = 4;

        /// <summary>Exit code for an internal error (a bug).</summary>
        public const int InternalError = 70;

        /// <summary>Most problems printed for one run; the rest are counted.</summary>
        public const int MaxErrorsShown = 20;

        /// <summary>Prints problems, at most <see cref="MaxErrorsShown"/> of them, then how many more there were.</summary>
        public static void PrintErrors(TextWriter stderr, IReadOnlyCollection<string> errors)
        {
            foreach (var e in errors.Take(MaxErrorsShown)) stderr.WriteLine("error: " + e);
            if (errors.Count > MaxErrorsShown) stderr.WriteLine($"error: ... and {errors.Count - MaxErrorsShown:N0} more problem(s) not shown");
        }

        /// <summary>Runs one command line; never throws for user errors.</summary>
        public static int Run(string[] args, TextWriter stdout, TextWriter stderr, bool interactive = false)
        {
            var ctx = new CliContext(stdout, stderr) { Interactive = interactive };
            return Invoke(Build(ctx), ctx, args, scenarios: true);
        }

        /// <summary>
        /// Runs one command line on a root built for <paramref name="ctx"/> (a sweep reuses one per worker); never throws
        /// for user errors. With <paramref name="scenarios"/>, a scenario file named by plan, simulate, report or day
        /// supplies the options the command line does not give.
        /// </summary>
        public static int Invoke(RootCommand root, CliContext ctx, string[] args, bool scenarios = false)
        {
            var stdout = ctx.Out;
            var stderr = ctx.Err;
            try
            {
                var parsed = root.Parse(args);
                IReadOnlyDictionary<Option, Simulator.Deploy.Options.OptionEntry>? sources = null;
                if (scenarios && Options.Scenario.Expand(root, parsed, args) is { } expanded)
                {
                    ctx.Scenario = expanded.Use;
                    sources = expanded.Sources;
                    parsed = root.Parse(expanded.Args);
                }
                if (parsed.Errors.Count > 0 && parsed.Action is null or System.CommandLine.Invocation.ParseErrorAction)
                {
                    // Every option-parsing problem (unknown option, a value out of range or of the wrong kind) is bad
                    // input: exit code 2, like a bad file. A value from a scenario file is reported at its line.
                    PrintErrors(stderr, parsed.Errors.Select(e => Options.Scenario.Message(e, sources)).Distinct().ToList());
                    stderr.WriteLine($"Run 'llmsim {string.Join(' ', CommandPath(parsed))} --help' for the options.");
                    return BadInput;
                }
                return parsed.Invoke(new InvocationConfiguration { Output = stdout, Error = stderr, EnableDefaultExceptionHandler = false });
            }
            catch (SpecException e)
            {
                PrintErrors(stderr, e.Errors.Select(x => x.ToString()).ToList());
                return BadInput;
            }
            catch (CliException e)
            {
                stderr.WriteLine("error: " + e.Message);
                return e.ExitCode;
            }
            catch (Exception e) when (Environment.GetEnvironmentVariable("LLMSIM_DEBUG") is null)
            {
                stderr.WriteLine($"internal error: {e.GetType().Name}: {e.Message}");
                stderr.WriteLine("This is a bug in llmsim; run again with LLMSIM_DEBUG=1 for details and report it.");
                return InternalError;
            }
        }

        private static IEnumerable<string> CommandPath(ParseResult parsed)
        {
            var names = new List<string>();
            for (var c = parsed.CommandResult; c is not null; c = c.Parent as System.CommandLine.Parsing.CommandResult)
                if (c.Command is not RootCommand) names.Insert(0, c.Command.Name);
            return names;
        }

        /// <summary>The root command with every verb.</summary>
        public static RootCommand Build(CliContext ctx)
        {
            var root = new RootCommand("llmsim: analytical performance simulator and roofline planner for LLM inference");
            root.Options.Add(CommonOptions.HardwareDir);
            root.Options.Add(CommonOptions.ModelsDir);
            root.Subcommands.Add(HardwareCommand.Create(ctx));
            root.Subcommands.Add(ModelsCommand.Create(ctx));
            root.Subcommands.Add(RooflineCommand.Create(ctx));
            root.Subcommands.Add(EstimateCommand.Create(ctx));
            root.Subcommands.Add(SimulateCommand.Create(ctx));
            root.Subcommands.Add(PlanCommand.Create(ctx));
            root.Subcommands.Add(ReportCommand.Create(ctx));
            root.Subcommands.Add(ValidateCommand.CreateValidate(ctx));
            root.Subcommands.Add(ValidateCommand.CreateCalibrate(ctx));
            root.Subcommands.Add(ExportCommand.Create(ctx));
            root.Subcommands.Add(DiffCommand.Create(ctx));
            root.Subcommands.Add(DayCommand.Create(ctx));
            root.Subcommands.Add(SweepCommand.Create(ctx));
            root.Subcommands.Add(SchemaCommand.Create(ctx));
            return root;
        }
    }
}
