using System.CommandLine;
using Simulator.Cli;
using Simulator.Cli.Commands;
using Simulator.Core.Loading;

return Cli.Run(args, Console.Out, Console.Error, interactive: !Console.IsOutputRedirected);

namespace Simulator.Cli
{
    /// <summary>The <c>llmsim</c> command line: builds the verbs and turns every user error into a message and an exit code.</summary>
    public static class Cli
    {
        /// <summary>Exit code for bad input (files, options, impossible requests).</summary>
        public const int BadInput = 2;

        /// <summary>Runs one command line; never throws for user errors.</summary>
        public static int Run(string[] args, TextWriter stdout, TextWriter stderr, bool interactive = false)
        {
            var ctx = new CliContext(stdout, stderr) { Interactive = interactive };
            var root = Build(ctx);
            try
            {
                var parsed = root.Parse(args);
                return parsed.Invoke(new InvocationConfiguration { Output = stdout, Error = stderr, EnableDefaultExceptionHandler = false });
            }
            catch (SpecException e)
            {
                foreach (var err in e.Errors) stderr.WriteLine("error: " + err);
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
                return 70;
            }
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
            return root;
        }
    }
}
