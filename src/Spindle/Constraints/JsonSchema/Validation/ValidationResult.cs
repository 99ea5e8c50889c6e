namespace Spindle.Constraints.JsonSchema.Validation;

/// <summary>One failed assertion.</summary>
/// <param name="InstanceLocation">JSON Pointer into the instance ("" is the root).</param>
/// <param name="KeywordLocation">Absolute location of the failing keyword: the schema resource URI plus a JSON Pointer fragment.</param>
/// <param name="Message">Human-readable reason.</param>
public sealed record ValidationError(string InstanceLocation, string KeywordLocation, string Message)
{
    public override string ToString() => $"{(InstanceLocation.Length == 0 ? "(root)" : InstanceLocation)}: {Message} [{KeywordLocation}]";
}

/// <summary>Outcome of <see cref="JsonSchemaValidator.Validate"/>.</summary>
public sealed class ValidationResult
{
    internal ValidationResult(IReadOnlyList<ValidationError> errors) => Errors = errors;

    public bool IsValid => Errors.Count == 0;

    /// <summary>Errors that explain the failure; empty when valid. Errors inside anyOf/oneOf branches are kept
    /// when the combinator as a whole fails, so the list explains why no branch matched.</summary>
    public IReadOnlyList<ValidationError> Errors { get; }
}
