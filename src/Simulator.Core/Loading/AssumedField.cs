namespace Simulator.Core.Loading;

/// <summary>
/// A value the config.json importer filled in because the config did not state it and the model_type is not a
/// family whose defaults it knows (see <see cref="ModelFamily"/>). Every one is reported, never silent.
/// </summary>
/// <param name="Field">The config.json field (or derived property, such as <c>mlp</c>) that was assumed.</param>
/// <param name="Value">The value used.</param>
/// <param name="Reason">Why: "not in the config", or what it was derived from.</param>
public sealed record AssumedField(string Field, string Value, string Reason)
{
    /// <summary><c>tie_word_embeddings=false (not in the config)</c>.</summary>
    public override string ToString() => $"{Field}={Value} ({Reason})";
}
