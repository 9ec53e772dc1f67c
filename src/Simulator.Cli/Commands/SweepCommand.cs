using System.CommandLine;
using System.CommandLine.Parsing;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Simulator.Cli.Options;
using Simulator.Cli.Output;
using Simulator.Cli.Output.Contracts;
using Simulator.Core.Loading;
using Simulator.Core.Units;
using Simulator.Deploy.Options;
using Simulator.Deploy.Sweep;

namespace Simulator.Cli.Commands;

/// <summary>
/// <c>llmsim sweep SWEEP.yaml -o OUT.jsonl [--jobs N] [--shard I/N]</c>: runs a grid of points of one verb, each point
/// through the verb's own option parser in this process (in parallel with --jobs), and writes one JSON line per
/// point in grid order, so any --jobs gives the same bytes and N shards merged give the bytes of one run.
/// <c>sweep merge</c> joins shards; <c>sweep jobs</c> writes the Kubernetes and Slurm definitions that run them.
/// </summary>
public static class SweepCommand
{
    /// <summary>Verbs a sweep can run (those with JSON output).</summary>
    public static readonly IReadOnlyList<string> Verbs = ["estimate", "simulate", "plan", "roofline"];

    /// <summary>Options a sweep sets itself or that would write files or wall-clock times: a sweep file may not give them.</summary>
    public static readonly IReadOnlyList<string> Refused = ["format", "plot", "requests-out", "export", "timings", "rate-sweep", "sweep"];

    /// <summary>Most shards a sweep may be split into.</summary>
    public const int MaxShards = 100_000;

    /// <summary>A sweep file checked against its verb: every key is one of the verb's options and every value parses.</summary>
    private sealed record Prepared(SweepFile File, Command Verb, Dictionary<string, Option> Options, string[] Global);

    public static Command Create(CliContext ctx)
    {
        var cmd = new Command("sweep", "Run a grid of points of one verb from a sweep file (docs/FORMATS.md), one JSON line per point in grid order; merge shards; write Kubernetes and Slurm jobs");
        var file = new Argument<string>("sweep") { Description = "The sweep file (YAML)", HelpName = "SWEEP.yaml" };
        var output = new Option<string>("--output", "-o") { Description = "JSON Lines file to write (one line per point)", Required = true };
        var jobs = Opt.Int("--jobs", "Points run at once in this process", 1, 1024, Environment.ProcessorCount, "-j");
        var shard = Opt.Shard("--shard", "Run only slice I of N (0-based): the points whose index leaves remainder I when divided by N", MaxShards);
        cmd.Arguments.Add(file);
        cmd.Options.Add(output);
        cmd.Options.Add(jobs);
        cmd.Options.Add(shard);
        cmd.SetAction(r =>
        {
            string outPath = r.GetValue(output)!;
            OutputFile.CheckWritable(outPath, "--output");
            var p = Prepare(r.GetValue(file)!, Global(r));
            var (index, count) = r.GetValue(shard) ?? (0, 1);
            var points = p.File.ShardPoints(index, count).ToList();
            var failures = new SortedDictionary<int, int>();
            using (var f = OutputFile.Open(outPath, "--output"))
            {
                try
                {
                    using var progress = ctx.Progress($"sweep {p.File.Name}");
                    Run(p, points, r.GetValue(jobs), (i, line, exitCode) =>
                    {
                        f.Writer.Write(line);
                        f.Writer.Write('\n');
                        if (exitCode != 0) failures[exitCode] = failures.GetValueOrDefault(exitCode) + 1;
                        progress.Report((i + 1.0) / points.Count, $"{i + 1:N0} of {points.Count:N0} points");
                    });
                }
                catch (IOException e) { throw f.Fail(e); }
                f.Commit();
            }
            string failed = failures.Count == 0 ? "none failed" : $"{failures.Values.Sum():N0} failed ({string.Join(", ", failures.Select(x => $"exit {x.Key}: {x.Value:N0}"))})";
            ctx.Err.WriteLine($"sweep {p.File.Name}: {points.Count:N0} of {p.File.Points:N0} points (shard {index}/{count}), {failed}");
            ctx.Err.WriteLine($"wrote {outPath}");
            return 0;
        });
        cmd.Subcommands.Add(Merge(ctx));
        cmd.Subcommands.Add(Jobs(ctx));
        return cmd;
    }

    /// <summary>The sweep's own --hardware-dir and --models-dir, passed on to every point.</summary>
    private static string[] Global(ParseResult r)
    {
        var g = new List<string>();
        if (r.GetValue(CommonOptions.HardwareDir) is { } hw) g.AddRange(["--hardware-dir", hw]);
        if (r.GetValue(CommonOptions.ModelsDir) is { } m) g.AddRange(["--models-dir", m]);
        return [.. g];
    }

    /// <summary>Reads and checks a sweep file: its verb, its keys, and every value of base and grid through the verb's parser.</summary>
    private static Prepared Prepare(string path, string[] global)
    {
        if (!File.Exists(path)) throw new CliException($"sweep file '{path}' not found");
        string text;
        try { text = File.ReadAllText(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { throw new CliException($"{path}: cannot read: {e.Message}"); }
        var sweep = SweepFile.Parse(path, text);
        var probe = Cli.Build(new CliContext(TextWriter.Null, TextWriter.Null));
        var verb = probe.Subcommands.FirstOrDefault(c => c.Name == sweep.Verb && Verbs.Contains(c.Name))
            ?? throw new SpecException([new SpecError(path, 1, "verb", $"'{sweep.Verb}' is not a verb a sweep runs ({string.Join(", ", Verbs)}).{NameMatcher.Suggest(sweep.Verb, Verbs)}")]);
        var options = Scenario.OptionsOf(verb);
        var errors = new List<SpecError>();
        void Check(string key, string file, int line, string field)
        {
            if (Refused.Contains(key)) errors.Add(new SpecError(file, line, field, $"a sweep sets --{key} itself or it would write files or timings; leave it out"));
            else if (!options.ContainsKey(key)) errors.Add(new SpecError(file, line, field, $"not an option of {verb.Name} (keys are option names without the dashes).{NameMatcher.Suggest(key, options.Keys)}"));
        }
        foreach (var e in sweep.Base) Check(e.Key, e.File, e.Line, e.Field);
        foreach (var a in sweep.Grid) Check(a.Key, a.File, a.Line, "grid." + a.Key);
        if (errors.Count > 0) throw new SpecException(errors);
        var p = new Prepared(sweep, verb, options, global);

        // Every value once: the base with each axis at each of its values (the others at their first).
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var sources = new Dictionary<Option, string>();
        foreach (var e in sweep.Base) sources[options[e.Key]] = e.Where;
        foreach (var a in sweep.Grid) sources[options[a.Key]] = a.Where;
        var first = sweep.Grid.Select(a => a.Values[0]).ToArray();
        var probes = new List<OptionValue[]> { first };
        for (int a = 0; a < sweep.Grid.Count; a++)
            foreach (var v in sweep.Grid[a].Values.Skip(1))
            {
                var values = (OptionValue[])first.Clone();
                values[a] = v;
                probes.Add(values);
            }
        foreach (var values in probes)
        {
            var parsed = probe.Parse(Args(p, sweep.Grid.Select((a, i) => (a.Key, values[i])).ToList()));
            foreach (var err in parsed.Errors)
            {
                string where = path;
                for (SymbolResult? s = err.SymbolResult; s is not null; s = s.Parent)
                    if (s is OptionResult o && sources.TryGetValue(o.Option, out var w)) { where = w; break; }
                if (seen.Add(where + err.Message)) errors.Add(new SpecError(where, 0, "", err.Message));
            }
        }
        if (errors.Count > 0) throw new SpecException(errors);
        return p;
    }

    /// <summary>The command line of a point: the verb, the base options, the point's values, JSON output and the global folders.</summary>
    private static string[] Args(Prepared p, IReadOnlyList<(string Key, OptionValue Value)> point)
    {
        var args = new List<string> { p.Verb.Name };
        void Add(string key, OptionValue v)
        {
            var o = p.Options[key];
            if (o.ValueType == typeof(bool))
            {
                if (v.Text.Trim().Equals("true", StringComparison.OrdinalIgnoreCase)) args.Add(o.Name);
                else if (!v.Text.Trim().Equals("false", StringComparison.OrdinalIgnoreCase)) args.AddRange([o.Name, v.Text]);   // the parser names the problem
                return;
            }
            args.Add(o.Name);
            args.Add(v.Text);
        }
        foreach (var e in p.File.Base) Add(e.Key, e.Value);
        foreach (var (k, v) in point) Add(k, v);
        args.AddRange(["--format", "json"]);
        args.AddRange(p.Global);
        return [.. args];
    }

    /// <summary>A writer whose target can be switched between points (each point's output is captured on its own).</summary>
    private sealed class SwitchWriter : TextWriter
    {
        public StringWriter Inner { get; set; } = new();
        public override Encoding Encoding => Encoding.UTF8;
        public override void Write(char value) => Inner.Write(value);
        public override void Write(string? value) => Inner.Write(value);
        public override void Write(char[] buffer, int index, int count) => Inner.Write(buffer, index, count);
    }

    /// <summary>One worker: its own context (with the library kept between points), command tree and writers.</summary>
    private sealed record Worker(RootCommand Root, CliContext Ctx, SwitchWriter Out, SwitchWriter Err);

    /// <summary>
    /// Runs the points on <paramref name="jobs"/> workers and hands each line to <paramref name="write"/> in point order
    /// (at most a few lines per worker wait, so memory stays bounded however long the sweep).
    /// </summary>
    private static void Run(Prepared p, IReadOnlyList<long> points, int jobs, Action<int, string, int> write)
    {
        int n = Math.Max(1, Math.Min(jobs, points.Count));
        var workers = new Worker[n];
        for (int w = 0; w < n; w++)
        {
            var (o, e) = (new SwitchWriter(), new SwitchWriter());
            var wctx = new CliContext(o, e) { ReuseLibrary = true };
            workers[w] = new Worker(Cli.Build(wctx), wctx, o, e);
        }
        var done = new (string Line, int Code)?[points.Count];
        var gate = new object();
        using var window = new SemaphoreSlim(n * 4);
        int next = -1;
        var threads = workers.Select(worker => new Thread(() =>
        {
            while (true)
            {
                window.Wait();
                int i = Interlocked.Increment(ref next);
                if (i >= points.Count) { window.Release(); return; }
                var result = Point(p, worker, points[i]);
                lock (gate)
                {
                    done[i] = result;
                    Monitor.PulseAll(gate);
                }
            }
        }) { IsBackground = true, Name = "sweep worker" }).ToList();
        foreach (var t in threads) t.Start();
        for (int i = 0; i < points.Count; i++)
        {
            (string Line, int Code) result;
            lock (gate)
            {
                while (done[i] is null) Monitor.Wait(gate);
                result = done[i]!.Value;
                done[i] = null;
            }
            write(i, result.Line, result.Code);
            window.Release();
        }
        foreach (var t in threads) t.Join();
    }

    /// <summary>Runs one point and returns its output line and exit code.</summary>
    private static (string Line, int Code) Point(Prepared p, Worker w, long index)
    {
        var values = p.File.Point(index);
        w.Out.Inner = new StringWriter { NewLine = "\n" };
        w.Err.Inner = new StringWriter { NewLine = "\n" };
        w.Ctx.Scenario = null;
        int code;
        try { code = Cli.Invoke(w.Root, w.Ctx, Args(p, values)); }
        catch (Exception e)
        {
            // Cli.Invoke turns every error into a code; this only happens with LLMSIM_DEBUG set.
            w.Err.Inner.WriteLine("error: " + e.Message);
            code = Cli.InternalError;
        }
        JsonNode? result = null;
        string text = w.Out.Inner.ToString();
        if (text.Length > 0)
        {
            try { result = JsonNode.Parse(text); }
            catch (JsonException) { result = null; }
        }
        string? error = code == 0 ? null : ErrorText(w.Err.Inner.ToString());
        var point = new JsonObject();
        foreach (var (k, v) in values) point[k] = v.ToJson();
        return (JsonOutput.Line(new SweepLine(p.File.Hash, index, p.File.Points, point, code, error, result)), code);
    }

    private static string ErrorText(string stderr) => string.Join("; ", stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
        .Where(l => !l.StartsWith("Run 'llmsim", StringComparison.Ordinal) && !l.StartsWith("warning:", StringComparison.Ordinal))
        .Select(l => l.StartsWith("error: ", StringComparison.Ordinal) ? l[7..] : l));

    private static Command Merge(CliContext ctx)
    {
        var cmd = new Command("merge", "Join the shard outputs of one sweep into the file one run would write, byte for byte");
        var inputs = new Argument<string[]>("shards") { Description = "Shard outputs (JSON Lines), in any order", HelpName = "SHARD.jsonl", Arity = ArgumentArity.OneOrMore };
        var output = new Option<string>("--output", "-o") { Description = "JSON Lines file to write", Required = true };
        cmd.Arguments.Add(inputs);
        cmd.Options.Add(output);
        cmd.SetAction(r =>
        {
            string outPath = r.GetValue(output)!;
            OutputFile.CheckWritable(outPath, "--output");
            var texts = new List<(string, string)>();
            foreach (var path in r.GetValue(inputs)!)
            {
                if (!File.Exists(path)) throw new CliException($"shard file '{path}' not found");
                try { texts.Add((path, File.ReadAllText(path))); }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException) { throw new CliException($"{path}: cannot read: {e.Message}"); }
            }
            var lines = SweepMerge.Merge(texts);
            var sb = new StringBuilder();
            foreach (var l in lines) sb.Append(l).Append('\n');
            OutputFile.WriteAllText(outPath, sb.ToString(), "--output");
            ctx.Err.WriteLine($"merged {lines.Count:N0} points from {texts.Count} file(s)");
            ctx.Err.WriteLine($"wrote {outPath}");
            return 0;
        });
        return cmd;
    }

    private enum JobTarget { Kubernetes, Slurm }

    private static Command Jobs(CliContext ctx)
    {
        var cmd = new Command("jobs", "Write batch-job definitions that run a sweep's shards: a Kubernetes Indexed Job and a Slurm job array, each with the merge as a follow-up step");
        var file = new Argument<string>("sweep") { Description = "The sweep file (YAML); it is checked here, before it reaches the cluster", HelpName = "SWEEP.yaml" };
        var output = new Option<string>("--output", "-o") { Description = "Folder to write the definitions into (created if missing)", Required = true };
        var shards = Opt.Int("--shards", "Shards to split the sweep into", 1, MaxShards, 8);
        var parallelism = Opt.OptionalInt("--parallelism", "Shards running at once (default: all)", 1, MaxShards);
        var cpus = Opt.Int("--cpus", "Cores per shard (its --jobs)", 1, 1024, 2);
        var memory = Opt.Quantity("--memory", QuantityKind.Bytes, "Memory per shard", "1 GiB", max: 1e13);
        var image = new Option<string>("--image") { Description = "Container image with llmsim on its PATH (Kubernetes)", DefaultValueFactory = _ => "llmsim:0.1.0" };
        var name = new Option<string?>("--name") { Description = "Job name (default: the sweep's name)" };
        var to = Opt.ChoiceList("--to", "Batch engines to write for (default: both)", ("kubernetes", JobTarget.Kubernetes), ("slurm", JobTarget.Slurm));
        var format = CommonOptions.Format();
        cmd.Arguments.Add(file);
        foreach (var o in new Option[] { output, shards, parallelism, cpus, memory, image, name, to, format }) cmd.Options.Add(o);
        cmd.SetAction(r =>
        {
            string path = r.GetValue(file)!;
            var p = Prepare(path, Global(r));
            string folder = r.GetValue(output)!;
            if (File.Exists(folder)) throw new CliException($"--output: '{folder}' is a file; give a folder");
            int n = r.GetValue(shards);
            if (n > p.File.Points) throw new CliException($"--shards {n} is more than the sweep's {p.File.Points:N0} points");
            var spec = new BatchJobSpec(Deploy.Export.DeploymentSpec.KubernetesName(r.GetValue(name) ?? p.File.Name, 50), Path.GetFileName(path), File.ReadAllText(path), n,
                Math.Min(n, r.GetValue(parallelism) ?? n), r.GetValue(cpus), (int)Math.Ceiling((r.GetValue(memory) ?? 1L << 30) / (1 << 20)), r.GetValue(image)!);
            var targets = r.GetValue(to) is { Count: > 0 } t ? t : [JobTarget.Kubernetes, JobTarget.Slurm];
            var files = new List<(string Name, string Text)>();
            if (targets.Contains(JobTarget.Kubernetes)) files.Add(("sweep-k8s.yaml", BatchJobs.Kubernetes(spec)));
            if (targets.Contains(JobTarget.Slurm))
            {
                var (array, merge, submit) = BatchJobs.Slurm(spec);
                files.AddRange([("sweep-array.sbatch", array), ("merge.sbatch", merge), ("submit.sh", submit), (spec.SweepFileName, spec.SweepText)]);
            }
            try { Directory.CreateDirectory(folder); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { throw new CliException($"--output: cannot create '{folder}': {e.Message}"); }
            var written = new List<string>();
            foreach (var (fname, text) in files)
            {
                string dest = Path.Combine(folder, fname);
                if (Path.GetFullPath(dest) == Path.GetFullPath(path)) { written.Add(dest); continue; }   // the sweep file is already there
                OutputFile.WriteAllText(dest, text, "--output");
                if (fname.EndsWith(".sh") && !OperatingSystem.IsWindows())
                    File.SetUnixFileMode(dest, File.GetUnixFileMode(dest) | UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute);
                written.Add(dest);
            }
            foreach (var w in written) ctx.Err.WriteLine($"wrote {w}");
            var summary = new SweepJobsOutput(p.File.Hash, p.File.Points, n, folder, written);
            if (r.GetValue(format) == OutputFormat.Json) ctx.Out.Write(JsonOutput.Write(summary));
            else
            {
                ctx.Out.WriteLine($"sweep {p.File.Name}: {p.File.Points:N0} points in {n} shards of about {Math.Ceiling(p.File.Points / (double)n):N0}, {spec.Parallelism} at once, {spec.CpusPerShard} cores and {spec.MemoryMiB:N0} MiB each");
                if (targets.Contains(JobTarget.Kubernetes)) ctx.Out.WriteLine($"kubernetes: kubectl apply -f {Path.Combine(folder, "sweep-k8s.yaml")}  (Indexed Job, then a merge Job that waits for every shard; result /results/{spec.Name}.jsonl on the volume claim {spec.Name}-results)");
                if (targets.Contains(JobTarget.Slurm)) ctx.Out.WriteLine($"slurm: sh {Path.Combine(folder, "submit.sh")}  (job array of {n} tasks, then the merge with --dependency=afterok; result results/{spec.Name}.jsonl)");
            }
            return 0;
        });
        return cmd;
    }
}
