using Spindle.Gguf;

namespace Spindle.Cli;

/// <summary>The one place that turns a failure into the `spindle: error: ...` line and an exit code.</summary>
internal static class ErrorReporter
{
    public const int RuntimeError = 1;
    public const int UsageError = 2;

    public static int Report(Exception ex, TextWriter error, bool verbose)
    {
        (string message, int code) = ex switch
        {
            CliException e => (e.Message, UsageError),
            FileNotFoundException e => (e.Message.StartsWith("model file not found", StringComparison.Ordinal) ? e.Message : $"file not found: {e.FileName ?? e.Message}", RuntimeError),
            DirectoryNotFoundException e => (e.Message, RuntimeError),
            UnauthorizedAccessException e => (e.Message, RuntimeError),
            GgufFormatException e => ($"invalid GGUF file: {e.Message}", RuntimeError),
            Spindle.Models.HuggingFace.SafetensorsFormatException e => ($"invalid safetensors file: {e.Message}", RuntimeError),
            Spindle.Models.ModelFormatException e => ($"cannot run this model: {e.Message}", RuntimeError),
            FormatException e => (e.Message, RuntimeError),
            NotSupportedException e => (e.Message, RuntimeError),
            Spindle.Constraints.ConstraintDeadEndException e => ($"generation stopped: {e.Message}", RuntimeError),
            IOException e => (e.Message, RuntimeError),
            _ => ($"internal error ({ex.GetType().Name}): {ex.Message}", RuntimeError),
        };
        Line(error, message);
        if (verbose) error.WriteLine(ex.ToString());
        return code;
    }

    /// <summary>Writes one line; a message with line breaks in it is joined so stderr stays one line per error.</summary>
    public static void Line(TextWriter error, string message) =>
        error.WriteLine("spindle: error: " + message.ReplaceLineEndings(" "));
}
