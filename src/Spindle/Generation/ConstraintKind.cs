namespace Spindle.Generation;

/// <summary>The source language of a <see cref="ConstraintSpec"/>.</summary>
public enum ConstraintKind
{
    /// <summary>The whole output matches a regular expression (ECMAScript-style dialect, implicitly anchored).</summary>
    Regex,

    /// <summary>GBNF grammar text (llama.cpp's format) whose <c>root</c> rule the whole output matches.</summary>
    Grammar,

    /// <summary>The output is exactly one of a list of strings.</summary>
    Choice,

    /// <summary>The output is a JSON text that validates against a JSON Schema (see Constraints/JsonSchema/Compilation/README.md).</summary>
    JsonSchema,
}
