using System.CommandLine;
using Simulator.Cli.Options;
using Simulator.Cli.Output;
using Simulator.Cli.Output.Contracts;
using Simulator.Core.Loading;
using Simulator.Deploy.Export;

namespace Simulator.Cli.Commands;

/// <summary>
/// <c>llmsim export PLAN.json -o DIR</c>: a plan's launch commands for vLLM, SGLang, TensorRT-LLM and (for
/// disaggregated plans) Dynamo, and its Kubernetes manifests, each file stating the engine version its flags were
/// checked against. <c>llmsim plan ... --export DIR</c> writes the same for the plan it finds.
/// </summary>
public static class ExportCommand
{
    public static Command Create(CliContext ctx)
    {
        var cmd = new Command("export", "Write a plan's launch commands (vLLM, SGLang, TensorRT-LLM, Dynamo) and Kubernetes manifests, flags checked against each engine version");
        var plan = new Argument<string>("plan") { Description = "A plan: the output of llmsim plan --format json", HelpName = "PLAN.json" };
        var output = new Option<string>("--output", "-o") { Description = "Folder to write the files into (created if missing)", Required = true };
        var index = Opt.Int("--plan", "Which plan of the file (1 = the chosen one)", 1, 1000, 1);
        var opts = new ExportWriter.ExportOptions();
        var format = CommonOptions.Format();
        cmd.Arguments.Add(plan);
        cmd.Options.Add(output);
        cmd.Options.Add(index);
        foreach (var o in opts.All()) cmd.Options.Add(o);
        cmd.Options.Add(format);
        cmd.SetAction(r =>
        {
            var lib = ctx.Library(r);
            string file = r.GetValue(plan)!;
            if (!File.Exists(file)) throw new CliException($"plan file '{file}' not found");
            string json;
            try { json = File.ReadAllText(file); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { throw new CliException($"{file}: cannot read: {e.Message}"); }
            var doc = PlanDocument.Read(file, json, r.GetValue(index) - 1);
            var model = lib.Model(doc.Model);
            var choices = opts.From(r);
            var d = doc.ToDeployment(choices.ModelId(ctx, model), hw =>
            {
                var resolved = ctx.Devices.Resolve(lib.Hardware(hw));
                return new DevicePlacement(resolved.Device.Vendor, resolved.Device.Kind.ToString().ToLowerInvariant(), resolved.Cluster.DevicesPerNode);
            }, choices.Name);
            var written = choices.Write(ctx, d, r.GetValue(output)!, $"{file} (plan #{doc.PlanIndex + 1})", "--output");
            ExportWriter.Render(ctx, written, r.GetValue(format), summaryOnStdout: true);
            return 0;
        });
        return cmd;
    }
}
