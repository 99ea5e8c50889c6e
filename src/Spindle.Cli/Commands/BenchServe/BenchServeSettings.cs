namespace Spindle.Cli.Commands.BenchServe;

/// <summary>Which OpenAI route the requests go to.</summary>
internal enum ServerEndpoint
{
    /// <summary>POST /v1/completions with a prompt string.</summary>
    Completions,

    /// <summary>POST /v1/chat/completions with the prompt as one user message.</summary>
    Chat,
}

/// <summary>What one bench-serve run does, as the options gave it.</summary>
internal sealed record BenchServeSettings
{
    /// <summary>The server's base address (scheme, host, port, any path before /v1).</summary>
    public required Uri BaseUrl { get; init; }
    public string? ApiKey { get; init; }
    public int Clients { get; init; } = 1;
    public int Requests { get; init; } = 1;
    public int PromptTokens { get; init; } = 128;
    public int MaxTokens { get; init; } = 64;
    public int SharedPrefixTokens { get; init; }
    public int Prefixes { get; init; } = 1;
    public string? Model { get; init; }
    public ServerEndpoint Endpoint { get; init; } = ServerEndpoint.Completions;
    /// <summary>Seeds the prompts' words; a run with the same seed sends the same prompts.</summary>
    public int Seed { get; init; }

    /// <summary>The address every request is posted to.</summary>
    public Uri RequestUrl => new(BaseUrl, Endpoint == ServerEndpoint.Chat ? "v1/chat/completions" : "v1/completions");

    /// <summary>
    /// The base address from what the user typed: http(s) only; "http://h:8080", "http://h:8080/" and
    /// "http://h:8080/v1" all mean the same server (OpenAI clients are often given the /v1 form).
    /// </summary>
    public static Uri ParseBaseUrl(string text)
    {
        if (!Uri.TryCreate(text.Trim(), UriKind.Absolute, out var url) || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps)
            || string.IsNullOrEmpty(url.Host))
            throw new CliException($"--url: '{text}' is not an http:// or https:// address (e.g. http://127.0.0.1:8080)");
        if (url.Query.Length > 0 || url.Fragment.Length > 0)
            throw new CliException($"--url: '{text}' has a query or fragment; give the server's base address");
        string path = url.AbsolutePath.TrimEnd('/');
        if (path.EndsWith("/v1", StringComparison.Ordinal)) path = path[..^3];
        // A trailing slash makes relative paths append instead of replacing the last segment.
        return new UriBuilder(url) { Path = path + "/" }.Uri;
    }
}
