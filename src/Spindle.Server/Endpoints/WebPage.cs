using Microsoft.AspNetCore.Http;

namespace Spindle.Server.Endpoints;

/// <summary><c>GET /</c>: the chat page, one self-contained HTML file embedded in the assembly (no external assets).</summary>
internal static class WebPage
{
    private static readonly Lazy<byte[]> Html = new(() =>
    {
        using var stream = typeof(WebPage).Assembly.GetManifestResourceStream("Spindle.Server.wwwroot.index.html")
            ?? throw new InvalidOperationException("the chat page is missing from the assembly");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    });

    public static async Task HandleAsync(HttpContext context)
    {
        context.Response.ContentType = "text/html; charset=utf-8";
        context.Response.Headers.CacheControl = "no-cache";
        context.Response.Headers["Content-Security-Policy"] = "default-src 'self'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src 'self' data:; connect-src 'self'";
        await context.Response.Body.WriteAsync(Html.Value, context.RequestAborted).ConfigureAwait(false);
    }
}
