using Simulator.Tests;

namespace Simulator.Cli.Tests;

/// <summary>Runs the llmsim command line in-process against the shipped library (or a given hardware folder).</summary>
internal static class CliRunner
{
    public static (int Code, string Out, string Err) Run(params string[] args) => RunWith(RepoPaths.HardwareDir, args);

    public static (int Code, string Out, string Err) RunWith(string hardwareDir, params string[] args)
    {
        var o = new StringWriter();
        var e = new StringWriter();
        int code = Cli.Run(args.Concat(["--hardware-dir", hardwareDir, "--models-dir", RepoPaths.ModelsDir]).ToArray(), o, e);
        return (code, o.ToString(), e.ToString());
    }
}
