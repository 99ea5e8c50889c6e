using System.Buffers;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Spindle.Server.Hosting;

/// <summary>Writes OpenAI's error envelope <c>{"error": {"message", "type", "param", "code"}}</c>.</summary>
internal static class ErrorEnvelope
{
    public static async Task WriteAsync(HttpContext context, OpenAIException error)
    {
        var response = context.Response;
        response.StatusCode = error.Status;
        response.ContentType = "application/json";
        if (error.RetryAfterSeconds is { } seconds) response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (error.Status == 401) response.Headers.WWWAuthenticate = "Bearer";
        using (var json = new Utf8JsonWriter(response.BodyWriter))
        {
            Write(json, error);
        }
        await response.BodyWriter.FlushAsync(context.RequestAborted).ConfigureAwait(false);
    }

    /// <summary>
    /// A stream that fails after its first event ends with the envelope as one more event (as OpenAI's API does),
    /// so a client sees why, rather than a stream cut short; nothing if the client is gone.
    /// </summary>
    public static async Task TryWriteEventAsync(HttpContext context, OpenAIException error)
    {
        if (context.RequestAborted.IsCancellationRequested || context.Response.ContentType != "text/event-stream") return;
        try
        {
            var body = context.Response.BodyWriter;
            body.Write("data: "u8);
            using (var json = new Utf8JsonWriter(body)) Write(json, error);
            body.Write("\n\n"u8);
            await body.FlushAsync(context.RequestAborted).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or InvalidOperationException)
        {
            // The connection is gone or closed; the log has the error.
        }
    }

    public static void Write(Utf8JsonWriter json, OpenAIException error)
    {
        json.WriteStartObject();
        json.WriteStartObject("error");
        json.WriteString("message", error.Message);
        json.WriteString("type", error.Type);
        if (error.Param is null) json.WriteNull("param"); else json.WriteString("param", error.Param);
        if (error.Code is null) json.WriteNull("code"); else json.WriteString("code", error.Code);
        json.WriteEndObject();
        json.WriteEndObject();
    }
}
