using System.Buffers;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Spindle.Server.Protocol;

namespace Spindle.Server.Hosting;

/// <summary>
/// Reads a request body as a JSON object, refusing one over the configured size (by its Content-Length, or once that
/// many bytes have arrived) without holding more of it. Kestrel's own, larger limit still drains what the client sends,
/// so the client reads the 413 instead of a reset connection.
/// </summary>
internal static class RequestBody
{
    public static async Task<JsonObject> ReadJsonAsync(HttpContext context, long maxBytes)
    {
        if (context.Request.ContentLength > maxBytes) throw TooLarge(maxBytes);
        var buffer = new ArrayBufferWriter<byte>(4096);
        var body = context.Request.Body;
        while (true)
        {
            var memory = buffer.GetMemory(16384);
            int read = await body.ReadAsync(memory, context.RequestAborted).ConfigureAwait(false);
            if (read == 0) break;
            buffer.Advance(read);
            if (buffer.WrittenCount > maxBytes) throw TooLarge(maxBytes);
        }
        return JsonFields.ParseBody(buffer.WrittenSpan);
    }

    private static OpenAIException TooLarge(long maxBytes) =>
        new(413, $"the request body is larger than {maxBytes} bytes", "invalid_request_error", null, "request_too_large");
}
