using Spindle.Caching;
using Spindle.Chat;
using Spindle.Constraints;
using Spindle.Constraints.JsonSchema.Compilation;
using Spindle.Constraints.JsonSchema.Validation;
using Spindle.Constraints.Temporal;
using Spindle.Gguf;
using Spindle.Models;

namespace Spindle.Cli;

/// <summary>
/// The one place that turns a failure into the `spindle: error: ...` line and an exit code. Expected failures are the
/// library's <see cref="SpindleException"/>s, the CLI's own <see cref="CliException"/> and the file system's errors; each
/// gets a message that says what to change. Anything else is a bug and says "internal error" (with --verbose for the
/// stack). Every line goes through <see cref="TerminalText.Escape"/>: messages quote file contents (GGUF keys, template
/// text, a model's name) that must not drive the terminal.
/// </summary>
internal static class ErrorReporter
{
    public const int RuntimeError = 1;
    public const int UsageError = 2;

    public static int Report(Exception ex, TextWriter error, bool verbose)
    {
        (string message, int code) = Describe(ex);
        Line(error, message);
        if (verbose) error.WriteLine(TerminalText.EscapeKeepingLines(ex.ToString()));
        return code;
    }

    /// <summary>The line (without the "spindle: error: " prefix) and exit code for <paramref name="ex"/>.</summary>
    public static (string Message, int Code) Describe(Exception ex) => ex switch
    {
        CliException e => (e.Message, UsageError),
        SpindleException e => Describe(e),
        FileNotFoundException e => (e.Message.StartsWith("model file not found", StringComparison.Ordinal) ? e.Message : $"file not found: {e.FileName ?? e.Message}", RuntimeError),
        DirectoryNotFoundException e => (e.Message, RuntimeError),
        UnauthorizedAccessException e => (e.Message, RuntimeError),
        NotSupportedException e => (e.Message, RuntimeError),
        IOException e => (e.Message, RuntimeError),
        // A server that cannot be reached or answers only errors (bench-serve).
        HttpRequestException e => (e.Message, RuntimeError),
        // Sizes the CLI can foresee are checked before allocating (KvCacheMemory); this is what remains, e.g. a model
        // that just fits beside other processes.
        OutOfMemoryException => ("out of memory: try a smaller -c/--ctx-size, -ub/--ubatch-size or model", RuntimeError),
        _ => ($"internal error ({ex.GetType().Name}): {ex.Message}", RuntimeError),
    };

    private static (string, int) Describe(SpindleException ex) => ex switch
    {
        GgufFormatException e => ($"invalid GGUF file: {e.Message}", RuntimeError),
        Spindle.Models.HuggingFace.SafetensorsFormatException e => ($"invalid safetensors file: {e.Message}", RuntimeError),
        ModelFormatException e => ($"cannot run this model: {e.Message}", RuntimeError),
        ChatTemplateException { RaisedByTemplate: true } e =>
            ($"the model's chat template refused the conversation: {e.Message}", RuntimeError),
        ChatTemplateException e => ($"the chat template failed: {e.Message} (--chat-template-file FILE replaces it)", RuntimeError),
        KvCacheTooLargeException { CacheCount: > 1 } e => ($"{e.Message}: use fewer --beams or a smaller -n", UsageError),
        KvCacheTooLargeException e => ($"{e.Message}: pass a smaller -c/--ctx-size", UsageError),
        ContextExceededException e => ($"{e.Message}: pass a larger -c/--ctx-size or a shorter prompt", RuntimeError),
        ConstraintDeadEndException e => ($"generation stopped: {e.Message}", RuntimeError),
        GrammarException e => ($"grammar: {e.Message}", UsageError),
        JsonSchemaCompileException e => ($"--json-schema: {e.Message}", UsageError),
        JsonSchemaException e => ($"JSON Schema: {e.Message}", UsageError),
        LtlSyntaxException e => ($"--spec: syntax error at position {e.Position + 1}: {e.Reason}", UsageError),
        LtlAutomatonLimitException e => ($"--spec: {e.Message}", UsageError),
        _ => (ex.Message, RuntimeError),
    };

    /// <summary>Writes one line; line breaks are joined and control characters escaped so stderr stays one safe line per error.</summary>
    public static void Line(TextWriter error, string message) =>
        error.WriteLine("spindle: error: " + TerminalText.Escape(message.ReplaceLineEndings(" ")));
}
