using System.Globalization;
using Simulator.Core.Loading;
using Simulator.Core.Units;

namespace Simulator.Serving;

/// <summary>A workload read from YAML, and whether the file set the arrival process (otherwise a default applies).</summary>
public sealed record WorkloadFileResult(WorkloadSpec Workload, bool ArrivalGiven);

/// <summary>
/// Reads a workload YAML file's text (format: docs/FORMATS.md, "Workload file"): request classes with weights,
/// length distributions and SLOs, and an optional arrival process. Every problem is reported with file, line and
/// field. Values for empirical distributions kept in other files are loaded through <c>loadValues</c>, which the
/// caller supplies (this library reads no files).
/// </summary>
public static class WorkloadFile
{
    /// <summary>Longest prompt or output a distribution may produce (2^24 tokens; catches typos).</summary>
    public const int MaxTokens = 16_777_216;

    /// <summary>Loads values for an empirical distribution: (path as written in the file, optional CSV column) to lengths.</summary>
    public delegate IReadOnlyList<int> ValuesLoader(string path, string? column);

    /// <summary>Parses the text of a workload file; throws <see cref="SpecException"/> listing every problem.</summary>
    public static WorkloadFileResult Parse(string file, string text, ValuesLoader? loadValues = null)
    {
        var errors = new List<SpecError>();
        var r = YamlFieldReader.Open(file, text, errors);
        if (r is null) throw new SpecException(errors);
        return Parse(r, Path.GetFileNameWithoutExtension(file), errors, loadValues);
    }

    /// <summary>
    /// Parses a workload held in a mapping of a larger file (a scenario's <c>workload:</c>), with the file's own lines
    /// in messages; <paramref name="path"/> is the dotted key path of the mapping (<c>simulate.workload</c>).
    /// </summary>
    public static WorkloadFileResult ParseWithin(string file, string text, string path, ValuesLoader? loadValues = null)
    {
        var errors = new List<SpecError>();
        var r = YamlFieldReader.Open(file, text, errors);
        if (r is null) throw new SpecException(errors);
        foreach (var key in path.Split('.'))
        {
            r = r.IsMap(key) ? r.Map(key) : null;
            if (r is null) throw new SpecException(file, $"{path}: not a mapping in the file");
        }
        return Parse(r, Path.GetFileNameWithoutExtension(file), errors, loadValues);
    }

    private static WorkloadFileResult Parse(YamlFieldReader r, string defaultName, List<SpecError> errors, ValuesLoader? loadValues)
    {
        string name = r.Str("name") ?? defaultName;
        r.Ignore("description");
        var classes = new List<RequestClass>();
        var classReaders = r.MapList("classes", required: true);
        var names = new HashSet<string>(StringComparer.Ordinal);
        // Per-class rates: every class gives one or none does; they become the weights and the total arrival rate.
        var rates = new List<(YamlFieldReader Reader, double? Rate)>();
        for (int i = 0; i < classReaders.Count; i++)
        {
            var c = classReaders[i];
            double? rate = c.Number("rate", min: 1e-9, max: 1e7);
            if (rate is not null && c.Has("weight")) c.Error("weight", "give a class a rate (requests per second) or a weight (a share of the arrival rate), not both");
            rates.Add((c, rate));
            var cls = ReadClass(c, i, loadValues, errors);
            if (cls is null) continue;
            if (!names.Add(cls.Name)) c.Error("name", $"class '{cls.Name}' appears twice; class names must differ");
            classes.Add(rate is double w ? cls with { Weight = w } : cls);
        }
        double? classRate = null;
        if (rates.Any(x => x.Rate is not null))
        {
            foreach (var (c, rate) in rates)
                if (rate is null) c.Error("rate", "missing: when one class gives a rate, every class must (they add up to the arrival rate)");
            classRate = rates.Sum(x => x.Rate ?? 0);
        }
        ArrivalProcess? arrival = null;
        if (r.Map("arrival") is { } a) arrival = ReadArrival(a, classRate);
        else if (classRate is double total) arrival = new PoissonArrivals(total);
        r.Finish();
        if (errors.Count > 0) throw new SpecException(errors);
        return new WorkloadFileResult(new WorkloadSpec(name, classes, arrival ?? new PoissonArrivals(1)), arrival is not null);
    }

    /// <summary>The arrival process; with per-class rates (<paramref name="classRate"/> is their sum) the process takes that rate and may not give its own.</summary>
    private static ArrivalProcess? ReadArrival(YamlFieldReader a, double? classRate)
    {
        string? process = a.Str("process", required: true);
        ArrivalProcess? result = null;
        double? Rate()
        {
            if (classRate is not double total) return a.Number("rate", required: true, min: 1e-9, max: 1e7);
            if (a.Has("rate")) a.Error("rate", $"the classes give their own rates (together {total.ToString("0.###", CultureInfo.InvariantCulture)} requests/s); leave the arrival rate out");
            return total;
        }
        switch (process?.Trim().ToLowerInvariant())
        {
            case "poisson":
                if (Rate() is double pr) result = new PoissonArrivals(pr);
                break;
            case "gamma":
                double? gr = Rate();
                double? cv = a.Number("cv", required: true, min: 1e-3, max: 100);
                if (gr is double g && cv is double c) result = new GammaArrivals(g, c);
                break;
            case "constant":
                if (Rate() is double cr) result = new ConstantArrivals(cr);
                break;
            case "closed":
                if (classRate is not null) a.Error("process", "per-class rates describe open-loop traffic; a closed loop takes weights");
                long? users = a.Int("users", required: true, min: 1, max: 10_000_000);
                double think = a.Has("think_time") ? a.Quantity("think_time", QuantityKind.Time, allowZero: true) ?? 0 : 0;
                if (users is long u) result = new ClosedLoopArrivals((int)u, think);
                break;
            case null:
                break;
            default:
                a.Error("process", $"expected poisson, gamma, constant or closed, got '{process}'");
                break;
        }
        a.Finish();
        return result;
    }

    private static RequestClass? ReadClass(YamlFieldReader c, int index, ValuesLoader? loadValues, List<SpecError> errors)
    {
        int before = errors.Count;
        RequestClass? preset = null;
        if (c.Str("preset") is { } p)
        {
            if (Presets.IsPreset(p)) preset = Presets.Class(p);
            else c.Error("preset", $"unknown preset '{p}'.{NameMatcher.Suggest(p, Presets.Names)} Presets: {string.Join(", ", Presets.Names)}");
        }
        string name = c.Str("name") ?? preset?.Name ?? $"class{index}";
        double weight = c.Number("weight", min: 1e-12, max: 1e12) ?? 1;
        var input = c.Map("input", required: preset is null) is { } im ? ReadLength(im, loadValues) : preset?.Input;
        var output = c.Map("output", required: preset is null) is { } om ? ReadLength(om, loadValues) : preset?.Output;
        var slo = preset?.Slo ?? Slo.None;
        if (c.Map("slo") is { } s)
        {
            double ttft = s.Has("ttft") ? s.Quantity("ttft", QuantityKind.Time) ?? double.NaN : slo.TtftSeconds;
            double tpot = s.Has("tpot") ? s.Quantity("tpot", QuantityKind.Time) ?? double.NaN : slo.TpotSeconds;
            s.Finish();
            slo = new Slo(ttft, tpot);
        }
        SharedPrefix? prefix = null;
        if (c.Map("prefix") is { } pm)
        {
            long? tokens = pm.Int("tokens", required: true, min: 1, max: MaxTokens);
            long templates = pm.Int("templates", min: 1, max: RequestSource.MaxTemplates) ?? 1;
            string group = pm.Str("group") ?? name;
            pm.Finish();
            if (tokens is long t) prefix = new SharedPrefix((int)t, (int)templates, group);
        }
        SessionSpec? session = null;
        if (c.Map("session") is { } sm)
        {
            LengthDistribution? turns = null;
            if (sm.IsMap("turns")) turns = sm.Map("turns") is { } tm ? ReadLength(tm, loadValues) : null;
            else if (sm.Int("turns", required: true, min: 1, max: 10_000) is long n) turns = new FixedLength((int)n);
            double think = sm.Has("think_time") ? sm.Quantity("think_time", QuantityKind.Time, allowZero: true) ?? 0 : 0;
            sm.Finish();
            if (turns is not null) session = new SessionSpec(turns, think);
        }
        AcceptanceModel? acceptance = null;
        if (c.Has("acceptance"))
        {
            if (c.RawText("acceptance") is not null)
            {
                if (c.Number("acceptance", min: 0, max: 0.999999) is double a) acceptance = AcceptanceModel.Constant(a);
            }
            else
            {
                var rates = new List<double>();
                foreach (var (text, line) in c.Scalars("acceptance"))
                {
                    if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) && v >= 0 && v < 1) rates.Add(v);
                    else c.ErrorAt("acceptance", line, $"'{text}' is not an acceptance rate (a number from 0 to below 1)");
                }
                if (rates.Count > SpeculativeConfig.MaxK) c.Error("acceptance", $"at most {SpeculativeConfig.MaxK} per-position rates (one per draft token)");
                else if (rates.Count > 0) acceptance = new AcceptanceModel(rates);
            }
        }
        c.Finish();
        if (errors.Count > before || input is null || output is null) return null;
        return new RequestClass(name, weight, input, output, slo) { Prefix = prefix, Session = session, Acceptance = acceptance };
    }

    private static LengthDistribution? ReadLength(YamlFieldReader d, ValuesLoader? loadValues)
    {
        string? kind = d.Str("dist", required: true);
        LengthDistribution? result = null;
        int Bound(string key, int fallback) => (int)(d.Int(key, min: 1, max: MaxTokens) ?? fallback);
        switch (kind?.Trim().ToLowerInvariant())
        {
            case "fixed":
                if (d.Int("value", required: true, min: 1, max: MaxTokens) is long v) result = new FixedLength((int)v);
                break;
            case "uniform":
            {
                long? lo = d.Int("min", required: true, min: 1, max: MaxTokens), hi = d.Int("max", required: true, min: 1, max: MaxTokens);
                if (lo is long l && hi is long h)
                {
                    if (h < l) d.Error("max", $"max {h} is below min {l}");
                    else result = new UniformLength((int)l, (int)h);
                }
                break;
            }
            case "normal":
            {
                double? mean = d.Number("mean", required: true, min: 1, max: MaxTokens), sd = d.Number("sd", required: true, min: 0, max: MaxTokens);
                int lo = Bound("min", 1), hi = Bound("max", MaxTokens);
                if (hi < lo) d.Error("max", $"max {hi} is below min {lo}");
                else if (mean is double m && sd is double s) result = new NormalLength(m, s, lo, hi);
                break;
            }
            case "lognormal":
            {
                double? median = d.Number("median", required: true, min: 1, max: MaxTokens), sigma = d.Number("sigma", required: true, min: 0, max: 10);
                int lo = Bound("min", 1), hi = Bound("max", MaxTokens);
                if (hi < lo) d.Error("max", $"max {hi} is below min {lo}");
                else if (median is double m && sigma is double s) result = new LogNormalLength(m, s, lo, hi);
                break;
            }
            case "empirical":
                result = ReadEmpirical(d, loadValues);
                break;
            case null:
                break;
            default:
                d.Error("dist", $"expected fixed, uniform, normal, lognormal or empirical, got '{kind}'");
                break;
        }
        d.Finish();
        return result;
    }

    private static LengthDistribution? ReadEmpirical(YamlFieldReader d, ValuesLoader? loadValues)
    {
        var inline = d.Scalars("values");
        string? path = d.Str("file");
        string? column = d.Str("column");
        if (inline.Count > 0 == (path is not null))
        {
            d.Error("values", "an empirical distribution takes either values: [...] or file: PATH (one of them)");
            return null;
        }
        if (path is not null)
        {
            if (loadValues is null) { d.Error("file", "files cannot be read here"); return null; }
            try
            {
                var values = loadValues(path, column);
                if (values.Count == 0) { d.Error("file", $"{path} holds no lengths"); return null; }
                return new EmpiricalLength(values, Path.GetFileName(path));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or SpecException)
            {
                d.Error("file", e is SpecException se ? string.Join("; ", se.Errors) : e.Message);
                return null;
            }
        }
        var list = new List<int>();
        foreach (var (text, line) in inline)
        {
            if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int v) && v >= 1 && v <= MaxTokens) list.Add(v);
            else d.ErrorAt("values", line, $"'{text}' is not a token count (a whole number from 1 to {MaxTokens})");
        }
        return list.Count == inline.Count ? new EmpiricalLength(list, "inline values") : null;
    }
}
