using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;
using Simulator.Core.Loading;
using Simulator.Core.Units;

namespace Simulator.Cli.Options;

/// <summary>
/// The one place options are typed. Every option that takes a quantity, a choice, a bounded count or a list of
/// <c>name=value</c> pairs is made here, with a System.CommandLine custom parser, so a bad value is a parse error
/// (exit code 2, a message naming the option) and the verbs only ever see typed, checked values in SI units.
/// </summary>
public static class Opt
{
    /// <summary>The value of an on|off option; converts to bool.</summary>
    public readonly record struct Switch(bool IsOn)
    {
        public static implicit operator bool(Switch s) => s.IsOn;
    }

    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    private static readonly ConditionalWeakTable<Option, JsonObject> Hints = new();

    /// <summary>Records what an option's value looks like, as a JSON Schema fragment (for the scenario file's schema).</summary>
    private static T Hint<T>(T option, JsonObject schema) where T : Option
    {
        Hints.AddOrUpdate(option, schema);
        return option;
    }

    /// <summary>
    /// The JSON Schema of an option's value as a scenario file writes it: the fragment its factory recorded, else a
    /// boolean for a flag and a string for anything else.
    /// </summary>
    public static JsonObject SchemaOf(Option option)
    {
        // A plain text option takes one value, or a list that becomes its comma-separated value (hardware: [h100-sxm, a100-80gb-sxm]).
        var s = Hints.TryGetValue(option, out var h) ? (JsonObject)h.DeepClone()
            : option.ValueType == typeof(bool) ? new JsonObject { ["type"] = "boolean" }
            : new JsonObject { ["anyOf"] = new JsonArray(new JsonObject { ["type"] = "string" }, new JsonObject { ["type"] = "array", ["items"] = new JsonObject { ["type"] = "string" } }) };
        if (!string.IsNullOrEmpty(option.Description)) s.Insert(0, "description", option.Description);
        return s;
    }

    private static JsonObject Range(string type, double min, double max) => new() { ["type"] = type, ["minimum"] = min, ["maximum"] = max };

    /// <summary>The raw text of an option's single token (or null when the option took none).</summary>
    private static string? Token(ArgumentResult r) => r.Tokens.Count > 0 ? r.Tokens[^1].Value : null;

    /// <summary>
    /// A quantity with a unit (<c>500 ms</c>, <c>10 kW</c>, <c>120 USD/h</c>), in SI base units. A bare number is
    /// refused with a message that names the unit (<c>'200' has no unit; write '200 ms' or '0.2 s'</c>).
    /// </summary>
    /// <param name="defaultText">The default written with its unit (shown in --help), or null for none.</param>
    public static Option<double?> Quantity(string name, QuantityKind kind, string description, string? defaultText = null,
        double min = 0, double max = double.MaxValue, bool allowZero = false)
    {
        var o = new Option<double?>(name)
        {
            Description = description + (defaultText is null ? "" : $" (default {defaultText})"),
            HelpName = UnitParser.Describe(kind).Replace(' ', '-'),
            CustomParser = r =>
            {
                string? text = Token(r);
                if (text is null) return null;
                if (!UnitParser.TryParse(text, kind, out double v, out string error))
                {
                    r.AddError($"{name}: {error}");
                    return null;
                }
                string? problem = RangeProblem(v, min, max, allowZero);
                if (problem is not null) r.AddError($"{name}: '{text}' {problem}");
                return v;
            },
        };
        if (defaultText is not null) o.DefaultValueFactory = _ => UnitParser.Parse(defaultText, kind);
        return Hint(o, new JsonObject { ["type"] = "string", ["examples"] = new JsonArray(UnitParser.Example(kind)) });
    }

    private static string? RangeProblem(double v, double min, double max, bool allowZero)
    {
        if (double.IsNaN(v)) return "is not a number";
        if (v < 0 && min >= 0) return "must not be negative";
        if (v == 0 && !allowZero) return "must be greater than zero";
        if (v < min) return $"is below the smallest allowed value {min.ToString("G4", Inv)}";
        if (v > max) return $"is above the largest allowed value {max.ToString("G4", Inv)}";
        return null;
    }

    /// <summary>A plain number (a rate, a fraction, a factor) within [min, max]; NaN and infinities are refused.</summary>
    public static Option<double?> Number(string name, string description, double min, double max, double? defaultValue = null, bool allowZero = false, string? unitWord = null)
    {
        var o = new Option<double?>(name)
        {
            Description = description + (defaultValue is double d ? $" (default {d.ToString(Inv)})" : ""),
            HelpName = unitWord ?? "number",
            CustomParser = r =>
            {
                string? text = Token(r);
                if (text is null) return null;
                if (!double.TryParse(text, NumberStyles.Float, Inv, out double v) || !double.IsFinite(v))
                {
                    r.AddError($"{name}: '{text}' is not a number{(unitWord is null ? "" : " of " + unitWord)}");
                    return null;
                }
                string? problem = RangeProblem(v, min, max, allowZero);
                if (problem is not null) r.AddError($"{name}: '{text}' {problem}");
                return v;
            },
        };
        if (defaultValue is not null) o.DefaultValueFactory = _ => defaultValue;
        return Hint(o, Range("number", min, max));
    }

    /// <summary>Parses the option's token as a whole number within [min, max]; null (with an error recorded) when it is not one.</summary>
    private static long? Whole(ArgumentResult r, string name, long min, long max)
    {
        string? text = Token(r);
        if (text is null) return null;
        if (!long.TryParse(text, NumberStyles.AllowLeadingSign, Inv, out long v))
        {
            r.AddError($"{name}: '{text}' is not a whole number from {min.ToString("N0", Inv)} to {max.ToString("N0", Inv)}");
            return null;
        }
        if (v < min || v > max) r.AddError($"{name}: {v.ToString("N0", Inv)} is outside {min.ToString("N0", Inv)}..{max.ToString("N0", Inv)}");
        return v;
    }

    /// <summary>A whole number within [min, max] (a count of requests, replicas, tokens, devices).</summary>
    public static Option<long?> Count(string name, string description, long min, long max, long? defaultValue = null, params string[] aliases)
    {
        var o = new Option<long?>(name, aliases)
        {
            Description = description + (defaultValue is long d ? $" (default {d.ToString(Inv)})" : ""),
            HelpName = "count",
            CustomParser = r => Whole(r, name, min, max),
        };
        if (defaultValue is not null) o.DefaultValueFactory = _ => defaultValue;
        return Hint(o, Range("integer", min, max));
    }

    /// <summary>A whole number within [min, max] that fits an <see cref="int"/>.</summary>
    public static Option<int> Int(string name, string description, int min, int max, int defaultValue, params string[] aliases) =>
        Hint(new Option<int>(name, aliases)
        {
            Description = description + $" (default {defaultValue.ToString(Inv)})",
            HelpName = "count",
            DefaultValueFactory = _ => defaultValue,
            CustomParser = r => Whole(r, name, min, max) is long v && v is >= int.MinValue and <= int.MaxValue ? (int)v : defaultValue,
        }, Range("integer", min, max));

    /// <summary>An optional whole number within [min, max] that fits an <see cref="int"/>.</summary>
    public static Option<int?> OptionalInt(string name, string description, int min, int max, params string[] aliases) =>
        Hint(new Option<int?>(name, aliases)
        {
            Description = description,
            HelpName = "count",
            CustomParser = r => Whole(r, name, min, max) is long v && v is >= int.MinValue and <= int.MaxValue ? (int)v : null,
        }, Range("integer", min, max));

    /// <summary>
    /// One of a fixed set of words (case-insensitive), typed as <typeparamref name="T"/>; the valid words appear in
    /// --help and in the message for a wrong one, with the closest suggested.
    /// </summary>
    public static Option<T> Choice<T>(string name, string description, T defaultValue, params (string Word, T Value)[] choices)
    {
        string words = string.Join("|", choices.Select(c => c.Word));
        string defaultWord = choices.First(c => EqualityComparer<T>.Default.Equals(c.Value, defaultValue)).Word;
        return Hint(new Option<T>(name)
        {
            Description = $"{description} (default {defaultWord})",
            HelpName = words,
            // A choice always takes its word (a bool-typed choice would otherwise take none: --check analytic).
            Arity = ArgumentArity.ExactlyOne,
            DefaultValueFactory = _ => defaultValue,
            CustomParser = r =>
            {
                string? text = Token(r);
                if (text is null) return defaultValue;
                foreach (var (word, value) in choices)
                    if (string.Equals(text.Trim(), word, StringComparison.OrdinalIgnoreCase)) return value;
                r.AddError($"{name} must be {string.Join(", ", choices.Select(c => c.Word))}, not '{text}'.{NameMatcher.Suggest(text, choices.Select(c => c.Word))}");
                return defaultValue;
            },
        }, new JsonObject { ["enum"] = new JsonArray(choices.Select(c => (JsonNode?)JsonValue.Create(c.Word)).ToArray()) });
    }

    /// <summary>A comma-separated list of words from a fixed set (<c>vllm,sglang</c>), typed; each wrong word is named with the valid ones.</summary>
    public static Option<IReadOnlyList<T>?> ChoiceList<T>(string name, string description, params (string Word, T Value)[] choices)
    {
        string words = string.Join(",", choices.Select(c => c.Word));
        return Hint(new Option<IReadOnlyList<T>?>(name)
        {
            Description = $"{description} ({words})",
            HelpName = "WORD[,WORD...]",
            CustomParser = r =>
            {
                var list = new List<T>();
                foreach (var token in r.Tokens)
                    foreach (var w in token.Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                    {
                        var match = choices.Where(c => string.Equals(c.Word, w, StringComparison.OrdinalIgnoreCase)).ToList();
                        if (match.Count == 0) r.AddError($"{name}: '{w}' is not one of {string.Join(", ", choices.Select(c => c.Word))}.{NameMatcher.Suggest(w, choices.Select(c => c.Word))}");
                        else if (!list.Contains(match[0].Value)) list.Add(match[0].Value);
                    }
                if (list.Count == 0 && r.Tokens.Count > 0) r.AddError($"{name} lists no values");
                return list;
            },
        }, new JsonObject { ["type"] = "array", ["items"] = new JsonObject { ["enum"] = new JsonArray(choices.Select(c => (JsonNode?)JsonValue.Create(c.Word)).ToArray()) } });
    }

    /// <summary>A shard <c>I/N</c>: slice I (0-based) of N, for splitting a sweep over machines.</summary>
    public static Option<(int Index, int Count)?> Shard(string name, string description, int maxShards) =>
        Hint(new Option<(int Index, int Count)?>(name)
        {
            Description = description,
            HelpName = "I/N",
            CustomParser = r =>
            {
                string? text = Token(r);
                if (text is null) return null;
                var parts = text.Split('/');
                if (parts.Length == 2 && int.TryParse(parts[0], NumberStyles.None, Inv, out int i) && int.TryParse(parts[1], NumberStyles.None, Inv, out int n)
                    && n >= 1 && n <= maxShards && i < n)
                    return (i, n);
                r.AddError($"{name}: '{text}' is not I/N with 0 <= I < N <= {maxShards.ToString("N0", Inv)} (shards count from 0: 0/4, 1/4, 2/4, 3/4)");
                return null;
            },
        }, new JsonObject { ["type"] = "string", ["pattern"] = "^[0-9]+/[0-9]+$" });

    /// <summary>An <c>on|off</c> switch (typed <see cref="Switch"/>, not bool: System.CommandLine lets a bool option take no word).</summary>
    public static Option<Switch> OnOff(string name, string description, bool defaultValue) =>
        Choice(name, description, new Switch(defaultValue), ("on", new Switch(true)), ("off", new Switch(false)));

    /// <summary>
    /// A comma-separated list of <c>NAME=QUANTITY</c> pairs (<c>h200-sxm=3.5 USD/h,mi300x=2.9 USD/h</c>), each
    /// quantity with its unit, non-negative and finite; names are kept as typed (checked against the hardware
    /// asked for by the verb).
    /// </summary>
    public static Option<IReadOnlyDictionary<string, double>> Pairs(string name, QuantityKind kind, string description, bool allowZero = true)
    {
        string example = UnitParser.Example(kind);
        return Hint(new Option<IReadOnlyDictionary<string, double>>(name)
        {
            Description = description,
            HelpName = $"NAME={example.Replace(" ", "")}[,...]",
            DefaultValueFactory = _ => new Dictionary<string, double>(StringComparer.OrdinalIgnoreCase),
            CustomParser = r =>
            {
                var d = new Dictionary<string, double>(StringComparer.OrdinalIgnoreCase);
                foreach (var token in r.Tokens)
                    foreach (var p in token.Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                    {
                        var kv = p.Split('=', 2);
                        if (kv.Length != 2 || kv[0].Trim().Length == 0)
                        {
                            r.AddError($"{name}: entries look like NAME={example.Replace(" ", "")}, not '{p}'");
                            continue;
                        }
                        if (!UnitParser.TryParse(kv[1], kind, out double v, out string error))
                        {
                            r.AddError($"{name}: {kv[0].Trim()}: {error}");
                            continue;
                        }
                        string? problem = RangeProblem(v, 0, double.MaxValue, allowZero);
                        if (problem is not null) { r.AddError($"{name}: {kv[0].Trim()}: '{kv[1].Trim()}' {problem}"); continue; }
                        if (!d.TryAdd(kv[0].Trim(), v)) r.AddError($"{name}: '{kv[0].Trim()}' is given twice");
                    }
                return d;
            },
        }, new JsonObject { ["type"] = "object", ["additionalProperties"] = new JsonObject { ["type"] = "string", ["examples"] = new JsonArray(example) } });
    }

    /// <summary>A comma-separated list of <c>NAME=COUNT</c> pairs (<c>h100-sxm=16</c>).</summary>
    public static Option<IReadOnlyDictionary<string, int>> CountPairs(string name, string description, int max)
    {
        return Hint(new Option<IReadOnlyDictionary<string, int>>(name)
        {
            Description = description,
            HelpName = "NAME=COUNT[,...]",
            DefaultValueFactory = _ => new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase),
            CustomParser = r =>
            {
                var d = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
                foreach (var token in r.Tokens)
                    foreach (var p in token.Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                    {
                        var kv = p.Split('=', 2);
                        if (kv.Length != 2 || kv[0].Trim().Length == 0 || !int.TryParse(kv[1].Trim(), NumberStyles.None, Inv, out int n) || n > max)
                        {
                            r.AddError($"{name}: entries look like NAME=COUNT with a whole number from 0 to {max.ToString("N0", Inv)}, not '{p}'");
                            continue;
                        }
                        if (!d.TryAdd(kv[0].Trim(), n)) r.AddError($"{name}: '{kv[0].Trim()}' is given twice");
                    }
                return d;
            },
        }, new JsonObject { ["type"] = "object", ["additionalProperties"] = new JsonObject { ["type"] = "integer", ["minimum"] = 0, ["maximum"] = max } });
    }

    /// <summary>A comma-separated list of whole numbers within [min, max] (<c>32,64,128</c>).</summary>
    public static Option<IReadOnlyList<int>> IntList(string name, string description, int min, int max, params int[] defaults)
    {
        return Hint(new Option<IReadOnlyList<int>>(name)
        {
            Description = description + (defaults.Length > 0 ? $" (default {string.Join(",", defaults)})" : ""),
            HelpName = "N[,N...]",
            DefaultValueFactory = _ => defaults,
            CustomParser = r =>
            {
                var list = new List<int>();
                foreach (var token in r.Tokens)
                    foreach (var s in token.Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                    {
                        if (int.TryParse(s, NumberStyles.None, Inv, out int n) && n >= min && n <= max) list.Add(n);
                        else r.AddError($"{name}: '{s}' is not a whole number from {min.ToString("N0", Inv)} to {max.ToString("N0", Inv)}");
                    }
                if (list.Count == 0 && r.Tokens.Count > 0) r.AddError($"{name} lists no values");
                return list.Count > 0 ? list : defaults;
            },
        }, ListOf(Range("integer", min, max)));
    }

    /// <summary>A list in a scenario: a YAML list of items, or one comma-separated string.</summary>
    private static JsonObject ListOf(JsonObject item) => new()
    {
        ["anyOf"] = new JsonArray(new JsonObject { ["type"] = "array", ["items"] = item }, new JsonObject { ["type"] = "string" }, (JsonNode)item.DeepClone()),
    };

    /// <summary>A comma-separated list of positive numbers (<c>1,2,4.5</c>); with <paramref name="allowZero"/> zeros too.</summary>
    public static Option<IReadOnlyList<double>> NumberList(string name, string description, double max, string unitWord, bool allowZero = false)
    {
        return Hint(new Option<IReadOnlyList<double>>(name)
        {
            Description = description,
            HelpName = "X[,X...]",
            DefaultValueFactory = _ => [],
            CustomParser = r =>
            {
                var list = new List<double>();
                foreach (var token in r.Tokens)
                    foreach (var s in token.Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                    {
                        if (double.TryParse(s, NumberStyles.Float, Inv, out double v) && double.IsFinite(v) && (v > 0 || allowZero && v == 0) && v <= max) list.Add(v);
                        else r.AddError($"{name}: '{s}' is not a {(allowZero ? "non-negative" : "positive")} {unitWord} (at most {max.ToString("G4", Inv)})");
                    }
                if (list.Count == 0 && r.Tokens.Count > 0) r.AddError($"{name} lists no values");
                return list;
            },
        }, ListOf(new JsonObject { ["type"] = "number", ["minimum"] = 0, ["maximum"] = max }));
    }

    /// <summary>
    /// The value of <c>--speculative METHOD[,k=N][,acceptance=A][,draft=MODEL]</c>: method, k (null: the method's
    /// default), the acceptance model (rates per position written <c>0.9/0.8/0.7</c>) and the draft model's name (resolved
    /// by the verb against the library).
    /// </summary>
    public sealed record SpeculativeChoice(Serving.SpeculativeMethod Method, int? K, Serving.AcceptanceModel Acceptance, string? Draft)
    {
        /// <summary>k when none is given: 1 for MTP (DeepSeek-V3 ships one prediction module), else 4 (an assumption).</summary>
        public int EffectiveK => K ?? (Method == Serving.SpeculativeMethod.Mtp ? 1 : 4);
    }

    /// <summary>A speculative-decoding setting (see <see cref="SpeculativeChoice"/>); every problem is a parse error naming the option.</summary>
    public static Option<SpeculativeChoice?> Speculative(string name, string description) => new(name)
    {
        Description = description,
        HelpName = "draft|eagle|mtp|ngram[,k=N][,acceptance=A][,draft=MODEL]",
        CustomParser = r =>
        {
            string? text = Token(r);
            if (text is null) return null;
            var parts = text.Split(',', StringSplitOptions.TrimEntries);
            var methods = new (string Word, Serving.SpeculativeMethod Value)[]
            {
                ("draft", Serving.SpeculativeMethod.Draft), ("eagle", Serving.SpeculativeMethod.Eagle), ("mtp", Serving.SpeculativeMethod.Mtp), ("ngram", Serving.SpeculativeMethod.Ngram),
            };
            var m = methods.FirstOrDefault(x => string.Equals(x.Word, parts[0], StringComparison.OrdinalIgnoreCase));
            if (m.Word is null)
            {
                r.AddError($"{name}: the method must be draft, eagle, mtp or ngram, not '{parts[0]}'.{NameMatcher.Suggest(parts[0], methods.Select(x => x.Word))}");
                return null;
            }
            int? k = null;
            Serving.AcceptanceModel? acceptance = null;
            string? draft = null;
            foreach (var p in parts.Skip(1))
            {
                var kv = p.Split('=', 2, StringSplitOptions.TrimEntries);
                string key = kv[0].ToLowerInvariant();
                if (kv.Length != 2 || kv[1].Length == 0)
                {
                    r.AddError($"{name}: settings look like k=4, acceptance=0.7 or draft=MODEL, not '{p}'");
                    continue;
                }
                switch (key)
                {
                    case "k":
                        if (int.TryParse(kv[1], NumberStyles.None, Inv, out int n) && n >= 1 && n <= Serving.SpeculativeConfig.MaxK) k = n;
                        else r.AddError($"{name}: k must be a whole number from 1 to {Serving.SpeculativeConfig.MaxK}, not '{kv[1]}'");
                        break;
                    case "acceptance":
                    {
                        var rates = new List<double>();
                        foreach (var a in kv[1].Split('/', StringSplitOptions.TrimEntries))
                        {
                            if (double.TryParse(a, NumberStyles.Float, Inv, out double v) && v >= 0 && v < 1) rates.Add(v);
                            else r.AddError($"{name}: acceptance must be a rate from 0 to below 1 (or rates per draft position, 0.9/0.8/0.7), not '{a}'");
                        }
                        if (rates.Count > Serving.SpeculativeConfig.MaxK) r.AddError($"{name}: at most {Serving.SpeculativeConfig.MaxK} acceptance rates (one per draft position)");
                        else if (rates.Count > 0 && rates.Count == kv[1].Split('/').Length) acceptance = new Serving.AcceptanceModel(rates);
                        break;
                    }
                    case "draft":
                        draft = kv[1];
                        break;
                    default:
                        r.AddError($"{name}: unknown setting '{kv[0]}'; the settings are k, acceptance and draft.{NameMatcher.Suggest(kv[0], ["k", "acceptance", "draft"])}");
                        break;
                }
            }
            if (acceptance is null && !parts.Skip(1).Any(p => p.StartsWith("acceptance", StringComparison.OrdinalIgnoreCase)))
                r.AddError($"{name}: give acceptance=A, the chance the target accepts a draft token (such as acceptance=0.7; it depends on the model pair and the text)");
            if (m.Value == Serving.SpeculativeMethod.Draft && draft is null) r.AddError($"{name}: the draft method needs draft=MODEL (such as draft=llama-3.2-1b)");
            if (m.Value != Serving.SpeculativeMethod.Draft && draft is not null) r.AddError($"{name}: draft=MODEL applies to the draft method, not {m.Word}");
            return acceptance is null ? null : new SpeculativeChoice(m.Value, k, acceptance, draft);
        },
    };
}
