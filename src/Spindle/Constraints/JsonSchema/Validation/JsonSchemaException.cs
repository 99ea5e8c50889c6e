namespace Spindle.Constraints.JsonSchema.Validation;

/// <summary>The schema itself is unusable: a keyword has the wrong type, a <c>$ref</c> cannot be resolved,
/// or evaluation ran into a reference loop that consumes no input.</summary>
public sealed class JsonSchemaException : SpindleException
{
    public JsonSchemaException(string message) : base(message) { }
    public JsonSchemaException(string message, Exception inner) : base(message, inner) { }
}
