using System.Text.Json;

namespace Spindle.Constraints.JsonSchema.Validation;

/// <summary>Options for <see cref="JsonSchemaValidator.Compile"/>.</summary>
public sealed record JsonSchemaValidatorOptions
{
    /// <summary>Dialect to use when the root schema has no recognised <c>$schema</c>; null means 2020-12.
    /// A <c>$schema</c> in the document wins over this, as the spec requires.</summary>
    public SchemaDraft? DefaultDraft { get; init; }

    /// <summary>Force this dialect even when <c>$schema</c> says otherwise.</summary>
    public SchemaDraft? ForceDraft { get; init; }

    /// <summary>When true, <c>format</c> is an assertion (invalid dates etc. fail); the spec's default is annotation only.</summary>
    public bool AssertFormat { get; init; }

    /// <summary>Documents that remote <c>$ref</c>s may load, keyed by absolute URI (no fragment).
    /// Nothing is ever fetched from the network.</summary>
    public IReadOnlyDictionary<string, JsonElement>? RemoteDocuments { get; init; }

    /// <summary>Deepest nesting of schema evaluation before a validation is abandoned as a probable <c>$ref</c> loop.</summary>
    public int MaxEvaluationDepth { get; init; } = 512;

    /// <summary>Per-match timeout for <c>pattern</c>/<c>patternProperties</c> regexes, guarding against catastrophic backtracking.</summary>
    public TimeSpan RegexTimeout { get; init; } = TimeSpan.FromSeconds(2);
}
