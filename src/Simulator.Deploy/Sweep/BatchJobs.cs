using System.Globalization;
using System.Text;
using Simulator.Deploy.Yaml;

namespace Simulator.Deploy.Sweep;

/// <summary>What the batch-job definitions of a sharded sweep need.</summary>
/// <param name="Name">Job name (DNS-1123: lower-case letters, digits and '-').</param>
/// <param name="SweepFileName">The sweep file's name as the jobs see it (copied beside the job files; mounted from a ConfigMap on Kubernetes).</param>
/// <param name="SweepText">The sweep file's text (embedded in the Kubernetes ConfigMap).</param>
/// <param name="Shards">Shards: one Kubernetes completion index or Slurm array task each.</param>
/// <param name="Parallelism">Shards running at once.</param>
/// <param name="CpusPerShard">Cores each shard uses (its --jobs).</param>
/// <param name="MemoryMiB">Memory each shard asks for, in MiB.</param>
/// <param name="Image">Container image with llmsim on the PATH (Kubernetes).</param>
public sealed record BatchJobSpec(string Name, string SweepFileName, string SweepText, int Shards, int Parallelism, int CpusPerShard, int MemoryMiB, string Image);

/// <summary>
/// Job definitions that run a sweep's shards on existing batch engines, with the merge as the follow-up step: a
/// Kubernetes Indexed Job (one shard per completion index, results on a shared volume) and a merge Job that starts
/// once every shard's file is there; and a Slurm job array with a merge job that depends on it (afterok).
/// </summary>
public static class BatchJobs
{
    private static string N(long v) => v.ToString(CultureInfo.InvariantCulture);

    /// <summary>The shard's output file name for index <paramref name="shard"/> (a shell expression on the cluster).</summary>
    public static string ShardFile(string shard) => $"shard-{shard}.jsonl";

    /// <summary>Kubernetes: a ConfigMap with the sweep file, a results volume claim, the Indexed Job and the merge Job.</summary>
    public static string Kubernetes(BatchJobSpec s)
    {
        string shards = N(s.Shards);
        var labels = new YMap().Add("app.kubernetes.io/name", s.Name).Add("app.kubernetes.io/managed-by", "llmsim");
        YMap Volumes() => new YMap()
            .Add("volumes", new YList([
                new YMap().Add("name", "sweep").Add("configMap", new YMap().Add("name", s.Name + "-sweep")),
                new YMap().Add("name", "results").Add("persistentVolumeClaim", new YMap().Add("claimName", s.Name + "-results")),
            ]));
        YList Mounts() => new([
            new YMap().Add("name", "sweep").Add("mountPath", "/sweep").Add("readOnly", true),
            new YMap().Add("name", "results").Add("mountPath", "/results"),
        ]);
        YMap Resources() => new YMap()
            .Add("requests", new YMap().Add("cpu", N(s.CpusPerShard)).Add("memory", N(s.MemoryMiB) + "Mi"))
            .Add("limits", new YMap().Add("memory", N(s.MemoryMiB) + "Mi"));

        var configMap = new YMap().Add("apiVersion", "v1").Add("kind", "ConfigMap")
            .Add("metadata", new YMap().Add("name", s.Name + "-sweep").Add("labels", labels))
            .Add("data", new YMap().Add(s.SweepFileName, s.SweepText.EndsWith('\n') ? s.SweepText : s.SweepText + "\n"));
        var claim = new YMap().Add("apiVersion", "v1").Add("kind", "PersistentVolumeClaim")
            .Add("metadata", new YMap().Add("name", s.Name + "-results").Add("labels", labels))
            .Add("spec", new YMap().Add("accessModes", YList.Of(["ReadWriteMany"])).Add("resources", new YMap().Add("requests", new YMap().Add("storage", "1Gi"))));

        string run = $"llmsim sweep /sweep/{s.SweepFileName} --shard ${{JOB_COMPLETION_INDEX}}/{shards} --jobs {N(s.CpusPerShard)} -o /results/{ShardFile("${JOB_COMPLETION_INDEX}")}";
        var shardPod = new YMap().Add("restartPolicy", "Never")
            .Add("containers", new YList([new YMap().Add("name", "shard").Add("image", s.Image)
                .Add("command", YList.Of(["/bin/sh", "-c"])).Add("args", YList.Of([run]))
                .Add("resources", Resources()).Add("volumeMounts", Mounts())]));
        foreach (var (k, v) in Volumes().Entries) shardPod.Add(k, v);
        var job = new YMap().Add("apiVersion", "batch/v1").Add("kind", "Job")
            .Add("metadata", new YMap().Add("name", s.Name).Add("labels", labels))
            .Add("spec", new YMap()
                .Add("completionMode", "Indexed")
                .Add("completions", s.Shards)
                .Add("parallelism", s.Parallelism)
                .Add("backoffLimitPerIndex", 2)
                .Add("template", new YMap().Add("metadata", new YMap().Add("labels", labels)).Add("spec", shardPod)));

        // The merge waits for every shard's file (each is moved into place only when complete), then joins them.
        string wait = $"until [ \"$(ls /results/shard-*.jsonl 2>/dev/null | wc -l)\" -ge {shards} ]; do sleep 10; done";
        string merge = $"llmsim sweep merge $(ls /results/shard-*.jsonl | sort -V) -o /results/{s.Name}.jsonl";
        var mergePod = new YMap().Add("restartPolicy", "OnFailure")
            .Add("initContainers", new YList([new YMap().Add("name", "wait-for-shards").Add("image", s.Image)
                .Add("command", YList.Of(["/bin/sh", "-c"])).Add("args", YList.Of([wait])).Add("volumeMounts", Mounts())]))
            .Add("containers", new YList([new YMap().Add("name", "merge").Add("image", s.Image)
                .Add("command", YList.Of(["/bin/sh", "-c"])).Add("args", YList.Of([merge]))
                .Add("resources", Resources()).Add("volumeMounts", Mounts())]));
        foreach (var (k, v) in Volumes().Entries) mergePod.Add(k, v);
        var mergeJob = new YMap().Add("apiVersion", "batch/v1").Add("kind", "Job")
            .Add("metadata", new YMap().Add("name", s.Name + "-merge").Add("labels", labels))
            .Add("spec", new YMap().Add("backoffLimit", 2).Add("template", new YMap().Add("metadata", new YMap().Add("labels", labels)).Add("spec", mergePod)));

        return YamlText.Documents([
            (configMap, [$"sweep {s.Name}: {shards} shards on a Kubernetes Indexed Job, then a merge Job; kubectl apply -f this file",
                $"the image needs llmsim on its PATH; results land on the volume claim {s.Name}-results (ReadWriteMany: shards on several nodes write to it)",
                $"merged result: /results/{s.Name}.jsonl"]),
            (claim, []),
            (job, ["one shard per completion index (JOB_COMPLETION_INDEX); each writes its file atomically when done"]),
            (mergeJob, ["the follow-up step: waits until every shard's file exists, then merges them in point order"]),
        ]);
    }

    /// <summary>Slurm: the array job (one task per shard), the merge job, and a submit script chaining them with afterok.</summary>
    public static (string Array, string Merge, string Submit) Slurm(BatchJobSpec s)
    {
        string shards = N(s.Shards);
        var array = new StringBuilder()
            .Append("#!/bin/sh\n")
            .Append($"#SBATCH --job-name={s.Name}\n")
            .Append($"#SBATCH --array=0-{N(s.Shards - 1)}%{N(s.Parallelism)}\n")
            .Append($"#SBATCH --cpus-per-task={N(s.CpusPerShard)}\n")
            .Append($"#SBATCH --mem={N(s.MemoryMiB)}M\n")
            .Append("#SBATCH --output=logs/%x-%A_%a.out\n")
            .Append($"# sweep {s.Name}: shard ${{SLURM_ARRAY_TASK_ID}} of {shards}; llmsim must be on the PATH of the compute nodes\n")
            .Append("set -eu\nmkdir -p results\n")
            .Append($"llmsim sweep {s.SweepFileName} --shard \"${{SLURM_ARRAY_TASK_ID}}/{shards}\" --jobs \"${{SLURM_CPUS_PER_TASK}}\" -o \"results/{ShardFile("${SLURM_ARRAY_TASK_ID}")}\"\n")
            .ToString();
        var merge = new StringBuilder()
            .Append("#!/bin/sh\n")
            .Append($"#SBATCH --job-name={s.Name}-merge\n")
            .Append("#SBATCH --cpus-per-task=1\n")
            .Append($"#SBATCH --mem={N(s.MemoryMiB)}M\n")
            .Append("#SBATCH --output=logs/%x-%j.out\n")
            .Append("# the follow-up step: runs after every array task succeeded (submit.sh chains it with --dependency=afterok)\n")
            .Append("set -eu\n")
            .Append($"llmsim sweep merge $(ls results/shard-*.jsonl | sort -V) -o results/{s.Name}.jsonl\n")
            .ToString();
        var submit = new StringBuilder()
            .Append("#!/bin/sh\n")
            .Append($"# submits sweep {s.Name}: {shards} shards as a job array, then the merge once all of them succeed\n")
            .Append("set -eu\ncd \"$(dirname \"$0\")\"\nmkdir -p logs results\n")
            .Append("array=$(sbatch --parsable sweep-array.sbatch)\n")
            .Append("sbatch --dependency=afterok:${array%%;*} merge.sbatch\n")
            .ToString();
        return (array, merge, submit);
    }
}
