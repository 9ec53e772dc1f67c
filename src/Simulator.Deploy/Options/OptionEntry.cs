using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Simulator.Core.Loading;

namespace Simulator.Deploy.Options;

/// <summary>How a value for a command-line option was written in a YAML file.</summary>
public enum OptionValueKind
{
    /// <summary>One value: <c>rate: 5</c>, <c>ttft-slo: 500 ms</c>.</summary>
    Scalar,
    /// <summary>A list, given to the option comma-separated: <c>hardware: [h100-sxm, a100-80gb-sxm]</c>.</summary>
    List,
    /// <summary>A mapping of single values, given as NAME=VALUE pairs: <c>price: {h200-sxm: 3.5 USD/h}</c>.</summary>
    Map,
    /// <summary>A nested structure the option reads from the file itself (<c>workload:</c> with request classes): passed as FILE#KEY.</summary>
    Reference,
}

/// <summary>A value for a command-line option, as written in a scenario or sweep file.</summary>
/// <param name="Items">Scalar: one item; list: the items; reference: the FILE#KEY text.</param>
/// <param name="Pairs">Map: the pairs in file order.</param>
public sealed record OptionValue(OptionValueKind Kind, IReadOnlyList<string> Items, IReadOnlyList<(string Key, string Value)> Pairs)
{
    /// <summary>A single value.</summary>
    public static OptionValue Scalar(string text) => new(OptionValueKind.Scalar, [text], []);

    /// <summary>The value as the option's one token: the scalar, the list joined with commas, the pairs as NAME=VALUE joined with commas.</summary>
    public string Text => Kind switch
    {
        OptionValueKind.List => string.Join(",", Items),
        OptionValueKind.Map => string.Join(",", Pairs.Select(p => p.Key + "=" + p.Value)),
        _ => Items[0],
    };

    /// <summary>The value in JSON (numbers as numbers, true/false as booleans, the rest as strings), for sweep output lines.</summary>
    public JsonNode? ToJson() => Kind switch
    {
        OptionValueKind.List => new JsonArray(Items.Select(ScalarJson).ToArray()),
        OptionValueKind.Map => new JsonObject(Pairs.Select(p => KeyValuePair.Create(p.Key, ScalarJson(p.Value)))),
        _ => ScalarJson(Items[0]),
    };

    private static JsonNode? ScalarJson(string s)
    {
        if (s is "true" or "false") return JsonValue.Create(s == "true");
        if (long.TryParse(s, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long l)) return JsonValue.Create(l);
        if (double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out double d) && double.IsFinite(d) && s.Trim() == s) return JsonValue.Create(d);
        return JsonValue.Create(s);
    }
}

/// <summary>One option given in a file: its name as on the command line without the dashes, its value, and where it was written.</summary>
/// <param name="Field">Dotted path of the field (<c>grid.rate</c>, <c>simulate.requests</c>), for messages.</param>
public sealed record OptionEntry(string Key, OptionValue Value, string File, int Line, string Field)
{
    /// <summary>"scenario.yaml:7: rate": where the value came from.</summary>
    public string Where => $"{File}:{Line}: {Field}";
}

/// <summary>Reads option values from YAML mappings, keeping each value's kind and line.</summary>
public static class OptionYaml
{
    /// <summary>
    /// Every key of <paramref name="r"/> except <paramref name="skip"/> as an option entry. A mapping whose values are
    /// all single values becomes NAME=VALUE pairs; a deeper structure becomes a reference FILE#PATH for the option to
    /// read from the file.
    /// </summary>
    public static List<OptionEntry> Entries(YamlFieldReader r, string prefix, IReadOnlyCollection<string> skip, List<SpecError> errors)
    {
        var list = new List<OptionEntry>();
        foreach (var (key, line) in r.Keys())
        {
            if (skip.Contains(key)) continue;
            r.Ignore(key);
            string field = prefix.Length == 0 ? key : prefix + "." + key;
            var value = Value(r, key, field, errors);
            if (value is not null) list.Add(new OptionEntry(key, value, r.File, line, field));
        }
        return list;
    }

    /// <summary>The value of one key (null, with an error recorded, when it is empty).</summary>
    public static OptionValue? Value(YamlFieldReader r, string key, string field, List<SpecError> errors)
    {
        int line = r.LineOfKey(key);
        if (r.RawText(key) is { } text)
        {
            if (text.Length == 0)
            {
                errors.Add(new SpecError(r.File, line, field, "has no value"));
                return null;
            }
            return OptionValue.Scalar(text);
        }
        if (r.IsMap(key))
        {
            var sub = r.Map(key)!;
            var keys = sub.Keys();
            if (keys.Any(k => sub.RawText(k.Key) is null)) return new OptionValue(OptionValueKind.Reference, [r.File + "#" + field], []);
            return new OptionValue(OptionValueKind.Map, [], keys.Select(k => (k.Key, sub.RawText(k.Key)!)).ToList());
        }
        var items = r.Scalars(key);
        if (items.Count == 0)
        {
            errors.Add(new SpecError(r.File, line, field, "lists no values"));
            return null;
        }
        return new OptionValue(OptionValueKind.List, items.Select(i => i.Value).ToList(), []);
    }

    /// <summary>
    /// SHA-256 of a file's text with its byte-order mark dropped and line ends made \n (hex, lower case), so a file
    /// saved with Windows line ends has the hash of the same file with Unix ones.
    /// </summary>
    public static string Hash(string text)
    {
        string normal = text.TrimStart('\uFEFF').Replace("\r\n", "\n").Replace('\r', '\n');
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(normal)));
    }
}
