namespace Spindle.Server;

/// <summary>
/// A request the server refuses, with the HTTP status and the fields of OpenAI's error envelope
/// <c>{"error": {"message", "type", "param", "code"}}</c>.
/// </summary>
public sealed class OpenAIException(int status, string message, string type, string? param = null, string? code = null)
    : Exception(message)
{
    public int Status { get; } = status;

    public string Type { get; } = type;

    public string? Param { get; } = param;

    public string? Code { get; } = code;

    /// <summary>Seconds a client should wait before retrying (sent as <c>Retry-After</c>).</summary>
    public int? RetryAfterSeconds { get; init; }

    public static OpenAIException Invalid(string? param, string message, string code = "invalid_value") =>
        new(400, message, "invalid_request_error", param, code);
}
