using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Simulator.Cli.Tests;

/// <summary>
/// A small JSON Schema validator for the keywords the shipped schemas use (type, enum, properties, required,
/// additionalProperties, items, anyOf, oneOf, $ref within the document, minimum, maximum, pattern). Returns every
/// violation with its JSON path, so a test failure says which field of which output broke its schema.
/// </summary>
internal static class SchemaValidator
{
    public static List<string> Validate(JsonNode schema, JsonNode? value)
    {
        var errors = new List<string>();
        Check(schema, schema, value, "$", errors);
        return errors;
    }

    private static void Check(JsonNode root, JsonNode? schema, JsonNode? value, string path, List<string> errors)
    {
        if (schema is null) return;
        if (schema is JsonValue b && b.TryGetValue(out bool allow))
        {
            if (!allow) errors.Add($"{path}: no value is allowed here");
            return;
        }
        var s = (JsonObject)schema;
        if (s["$ref"] is JsonValue r)
        {
            Check(root, Resolve(root, r.GetValue<string>()), value, path, errors);
            return;
        }
        if (s["type"] is { } type)
        {
            var types = type is JsonArray a ? a.Select(t => t!.GetValue<string>()).ToList() : [type.GetValue<string>()];
            if (!types.Any(t => Is(t, value))) { errors.Add($"{path}: expected {string.Join(" or ", types)}, got {Kind(value)}"); return; }
        }
        if (s["enum"] is JsonArray e && !e.Any(x => JsonNode.DeepEquals(x, value))) errors.Add($"{path}: {value?.ToJsonString()} is not one of {e.ToJsonString()}");
        if (s["anyOf"] is JsonArray any && !any.Any(x => Validate2(root, x, value, path))) errors.Add($"{path}: matches none of anyOf");
        if (s["oneOf"] is JsonArray one && one.Count(x => Validate2(root, x, value, path)) != 1) errors.Add($"{path}: matches not exactly one of oneOf");
        if (value is JsonValue v && v.TryGetValue(out double d))
        {
            if (s["minimum"] is JsonValue min && d < min.GetValue<double>()) errors.Add($"{path}: {d} < minimum {min}");
            if (s["maximum"] is JsonValue max && d > max.GetValue<double>()) errors.Add($"{path}: {d} > maximum {max}");
        }
        if (value is JsonValue sv && sv.TryGetValue(out string? str) && s["pattern"] is JsonValue p && !Regex.IsMatch(str, p.GetValue<string>()))
            errors.Add($"{path}: '{str}' does not match {p}");
        if (value is JsonObject obj)
        {
            var props = s["properties"] as JsonObject;
            if (s["required"] is JsonArray req)
                foreach (var k in req.Select(x => x!.GetValue<string>()))
                    if (!obj.ContainsKey(k)) errors.Add($"{path}: required property '{k}' is missing");
            foreach (var (k, child) in obj)
            {
                if (props is not null && props.ContainsKey(k)) Check(root, props[k], child, $"{path}.{k}", errors);
                else if (s["additionalProperties"] is { } extra)
                {
                    if (extra is JsonValue ev && ev.TryGetValue(out bool ok)) { if (!ok) errors.Add($"{path}: property '{k}' is not in the schema"); }
                    else Check(root, extra, child, $"{path}.{k}", errors);
                }
            }
        }
        if (value is JsonArray arr && s["items"] is { } items)
            for (int i = 0; i < arr.Count; i++) Check(root, items, arr[i], $"{path}[{i.ToString(CultureInfo.InvariantCulture)}]", errors);
    }

    private static bool Validate2(JsonNode root, JsonNode? schema, JsonNode? value, string path)
    {
        var e = new List<string>();
        Check(root, schema, value, path, e);
        return e.Count == 0;
    }

    private static JsonNode? Resolve(JsonNode root, string reference)
    {
        if (!reference.StartsWith('#')) throw new NotSupportedException("only local $ref: " + reference);
        JsonNode? node = root;
        foreach (var part in reference[1..].Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            string key = part.Replace("~1", "/").Replace("~0", "~");
            node = node is JsonArray a ? a[int.Parse(key, CultureInfo.InvariantCulture)] : node![key];
        }
        return node;
    }

    private static bool Is(string type, JsonNode? v) => type switch
    {
        "null" => v is null,
        "object" => v is JsonObject,
        "array" => v is JsonArray,
        "string" => v is JsonValue s && s.TryGetValue(out string? _),
        "boolean" => v is JsonValue b && b.TryGetValue(out bool _),
        "integer" => v is JsonValue i && i.TryGetValue(out double d) && Math.Floor(d) == d,
        "number" => v is JsonValue n && n.TryGetValue(out double _),
        _ => false,
    };

    private static string Kind(JsonNode? v) => v switch { null => "null", JsonObject => "object", JsonArray => "array", _ => v.ToJsonString() };
}
