namespace Simulator.Core.Loading;

/// <summary>One problem found in an input file: where it is and what was expected.</summary>
/// <param name="File">Path of the file as the user gave it.</param>
/// <param name="Line">1-based line, or 0 when the problem concerns the whole file.</param>
/// <param name="Field">Dotted path of the field (<c>memory[1].bandwidth</c>), or empty.</param>
public sealed record SpecError(string File, int Line, string Field, string Message)
{
    /// <summary>Renders as <c>file:line: field: message</c>, the form compilers use, so editors can jump to it.</summary>
    public override string ToString()
    {
        string where = Line > 0 ? $"{File}:{Line}" : File;
        return Field.Length > 0 ? $"{where}: {Field}: {Message}" : $"{where}: {Message}";
    }
}

/// <summary>Thrown where a caller asked for a value that failed to load; carries every problem found.</summary>
public sealed class SpecException(IReadOnlyList<SpecError> errors)
    : Exception(string.Join(Environment.NewLine, errors.Select(e => e.ToString())))
{
    /// <summary>All problems, in file order.</summary>
    public IReadOnlyList<SpecError> Errors { get; } = errors;

    /// <summary>One problem not tied to a file line (e.g. an unknown name).</summary>
    public SpecException(string file, string message) : this([new SpecError(file, 0, "", message)]) { }
}

/// <summary>The outcome of loading one spec: a value, or the problems that prevented it.</summary>
public sealed record Loaded<T>(T? Value, IReadOnlyList<SpecError> Errors) where T : class
{
    /// <summary>Things the user must hear about although the value loaded (a config.json of a family the importer does not know, with what it assumed).</summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];

    /// <summary>True when the value loaded with no errors.</summary>
    public bool Ok => Value is not null && Errors.Count == 0;

    /// <summary>The value, or a <see cref="SpecException"/> with every problem.</summary>
    public T OrThrow() => Ok ? Value! : throw new SpecException(Errors);

    public static Loaded<T> Fail(string file, int line, string field, string message) => new(null, [new SpecError(file, line, field, message)]);
}
