using System.ComponentModel;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Schema;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace Simulator.Cli.Output;

/// <summary>
/// The one way typed outputs become JSON: records in <c>Output/Contracts</c> serialized with camelCase names, two-space
/// indentation and the default encoder, the bytes the verbs wrote when they built their JSON field by field. Numbers that
/// can be undefined are <c>double?</c> and set through <see cref="N"/>, so NaN and infinities are written as null, as
/// the verbs always have; JSON has no NaN.
/// </summary>
public static class JsonOutput
{
    /// <summary>Serializer settings of every typed output.</summary>
    public static readonly JsonSerializerOptions Options = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        TypeInfoResolver = new DefaultJsonTypeInfoResolver(),
    };

    /// <summary>The same without indentation: one JSON line (sweep output).</summary>
    public static readonly JsonSerializerOptions Compact = new(Options) { WriteIndented = false };

    /// <summary>A value as indented JSON with a final newline, as every verb prints it.</summary>
    public static string Write<T>(T value) => JsonSerializer.Serialize(value, Options) + "\n";

    /// <summary>A value as one line of JSON without a newline.</summary>
    public static string Line<T>(T value) => JsonSerializer.Serialize(value, Compact);

    /// <summary>A number, or null where it is undefined (NaN) or infinite.</summary>
    public static double? N(double v) => double.IsFinite(v) ? v : null;
}

/// <summary>One shipped schema: the name it is shipped under (<c>docs/schemas/NAME.schema.json</c>) and the output type it describes.</summary>
public sealed record OutputSchema(string Name, Type Type, string Title);

/// <summary>
/// JSON Schemas (draft 2020-12) of the verbs' JSON outputs, generated from their output types by System.Text.Json's
/// <see cref="JsonSchemaExporter"/>: nullable members allow null, every object lists its properties and allows no
/// others, descriptions come from <see cref="DescriptionAttribute"/>s. Shipped in <c>docs/schemas/</c>; a test
/// regenerates them and checks real outputs against them.
/// </summary>
public static class OutputSchemas
{
    /// <summary>Every output schema, by name.</summary>
    public static IReadOnlyList<OutputSchema> All { get; } =
    [
        new("estimate", typeof(Contracts.EstimateOutput), "llmsim estimate --format json"),
        new("estimate-sweep", typeof(List<Contracts.EstimateOutput>), "llmsim estimate --sweep ... --format json"),
        new("roofline", typeof(Contracts.RooflineOutput), "llmsim roofline --format json"),
        new("simulate", typeof(Contracts.SimulationOutput), "llmsim simulate --format json"),
        new("simulate-rate-sweep", typeof(List<Contracts.SimulationOutput>), "llmsim simulate --rate-sweep ... --format json"),
        new("plan", typeof(Contracts.PlanOutput), "llmsim plan --format json"),
        new("hardware-list", typeof(List<Contracts.HardwareListRow>), "llmsim hardware list --format json"),
        new("hardware-show", typeof(Contracts.HardwareShowOutput), "llmsim hardware show DEVICE --format json"),
        new("interconnect-show", typeof(Contracts.InterconnectShowOutput), "llmsim hardware show INTERCONNECT --format json"),
        new("cluster-show", typeof(Contracts.ClusterShowOutput), "llmsim hardware show CLUSTER --format json"),
        new("models-list", typeof(List<Contracts.ModelListRow>), "llmsim models list --format json"),
        new("models-show", typeof(Contracts.ModelShowOutput), "llmsim models show --format json"),
        new("validate", typeof(Contracts.ValidateOutput), "llmsim validate --format json"),
        new("validate-serving", typeof(Contracts.ServingValidateOutput), "llmsim validate --measured RESULTS.json --format json (serving results)"),
        new("diff", typeof(Contracts.DiffOutput), "llmsim diff --format json"),
        new("export", typeof(Contracts.ExportOutput), "llmsim export --format json"),
        new("day", typeof(Contracts.DayOutput), "llmsim day --format json"),
        new("sweep-line", typeof(Contracts.SweepLine), "one line of llmsim sweep -o OUT.jsonl"),
        new("sweep-jobs", typeof(Contracts.SweepJobsOutput), "llmsim sweep jobs --format json"),
    ];

    /// <summary>The schema of one output type.</summary>
    public static JsonObject Generate(OutputSchema s)
    {
        var exporter = new JsonSchemaExporterOptions
        {
            TreatNullObliviousAsNonNullable = true,
            TransformSchemaNode = (ctx, node) =>
            {
                if (node is not JsonObject o) return node;
                var attr = ctx.PropertyInfo?.AttributeProvider ?? (ICustomAttributeProvider?)ctx.TypeInfo.Type;
                if (attr?.GetCustomAttributes(typeof(DescriptionAttribute), true).FirstOrDefault() is DescriptionAttribute d && ctx.PropertyInfo is not null)
                    o.Insert(0, "description", d.Description);
                if (o["properties"] is JsonObject && !o.ContainsKey("additionalProperties")) o["additionalProperties"] = false;
                return o;
            },
        };
        var schema = (JsonObject)JsonOutput.Options.GetJsonSchemaAsNode(s.Type, exporter);
        var root = new JsonObject
        {
            ["$schema"] = "https://json-schema.org/draft/2020-12/schema",
            ["title"] = s.Title,
        };
        foreach (var (k, v) in schema.ToList())
        {
            schema.Remove(k);
            root[k] = v;
        }
        return root;
    }

    /// <summary>The schema's text as shipped (indented, final newline).</summary>
    public static string Text(OutputSchema s) => Generate(s).ToJsonString(JsonOutput.Options) + "\n";
}
