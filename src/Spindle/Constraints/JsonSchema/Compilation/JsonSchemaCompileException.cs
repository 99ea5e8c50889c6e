namespace Spindle.Constraints.JsonSchema.Compilation;

/// <summary>A schema the compiler cannot turn into a grammar; <see cref="Keyword"/> names the keyword at fault.</summary>
public sealed class JsonSchemaCompileException : SpindleException
{
    public JsonSchemaCompileException(string keyword, string message) : base($"{keyword}: {message}") => Keyword = keyword;

    public JsonSchemaCompileException(string keyword, string message, Exception inner)
        : base($"{keyword}: {message}", inner) => Keyword = keyword;

    public string Keyword { get; }
}
