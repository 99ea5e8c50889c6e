using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Spindle.Caching;
using Spindle.Chat;
using Spindle.Constraints;
using Spindle.Server.Telemetry;
using Spindle.Serving;

namespace Spindle.Server.Hosting;

/// <summary>
/// Wraps every API endpoint: checks the API key, and turns whatever a request throws into OpenAI's error envelope with
/// the status it deserves, so no request can take the process down or leave a client without an answer.
/// </summary>
internal sealed class ApiHandler(SpindleServerOptions options, ServerMetrics metrics, ILogger<ApiHandler> logger)
{
    public RequestDelegate Wrap(Func<HttpContext, Task> endpoint, bool authenticate = true) => async context =>
    {
        try
        {
            await HandleAsync(context, endpoint, authenticate).ConfigureAwait(false);
        }
        finally
        {
            // Every request, refused ones included, by endpoint and the status it got (499: the client went away).
            metrics.Request(context.Request.Path.Value ?? "", context.RequestAborted.IsCancellationRequested ? 499 : context.Response.StatusCode);
        }
    };

    private async Task HandleAsync(HttpContext context, Func<HttpContext, Task> endpoint, bool authenticate)
    {
        try
        {
            if (authenticate) Authenticate(context);
            await endpoint(context).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client went away; there is no one to answer.
        }
        catch (Exception e)
        {
            var error = Classify(e);
            if (error.Status >= 500) logger.LogError(e, "{Method} {Path} failed", context.Request.Method, context.Request.Path);
            if (context.Response.HasStarted)
            {
                logger.LogWarning("{Method} {Path}: {Message} (after the response started)", context.Request.Method, context.Request.Path, error.Message);
                await ErrorEnvelope.TryWriteEventAsync(context, error).ConfigureAwait(false);
                return;
            }
            context.Response.Clear();
            await ErrorEnvelope.WriteAsync(context, error).ConfigureAwait(false);
        }
    }

    private void Authenticate(HttpContext context)
    {
        if (options.ApiKey is not { } key) return;
        string header = context.Request.Headers.Authorization.ToString();
        const string scheme = "Bearer ";
        if (!header.StartsWith(scheme, StringComparison.OrdinalIgnoreCase))
            throw new OpenAIException(401, "missing API key: send 'Authorization: Bearer <key>'", "invalid_request_error", null, "missing_api_key");
        var given = Encoding.UTF8.GetBytes(header[scheme.Length..].Trim());
        if (!CryptographicOperations.FixedTimeEquals(given, Encoding.UTF8.GetBytes(key)))
            throw new OpenAIException(401, "incorrect API key", "invalid_request_error", null, "invalid_api_key");
    }

    private static OpenAIException Classify(Exception e) => e switch
    {
        OpenAIException o => o,
        BadHttpRequestException b when b.StatusCode == 413 =>
            new OpenAIException(413, b.Message, "invalid_request_error", null, "request_too_large"),
        BadHttpRequestException b => new OpenAIException(b.StatusCode, b.Message, "invalid_request_error"),
        EngineBusyException busy => new OpenAIException(429, busy.Message, "rate_limit_error", null, "server_busy") { RetryAfterSeconds = 1 },
        KvCacheFullException k => OpenAIException.Invalid("max_tokens", k.Message, "context_length_exceeded"),
        ContextExceededException c => OpenAIException.Invalid("messages", c.Message, "context_length_exceeded"),
        ChatTemplateException t => OpenAIException.Invalid("messages", $"the model's chat template cannot render these messages: {t.Message}", "template_error"),
        GrammarException g => OpenAIException.Invalid(null, g.Message, "invalid_grammar"),
        Constraints.JsonSchema.Compilation.JsonSchemaCompileException j => OpenAIException.Invalid(null, j.Message, "invalid_schema"),
        _ => new OpenAIException(500, $"internal error: {e.Message}", "server_error"),
    };
}
