namespace Spindle.Cli.Commands.BenchServe;

/// <summary>What one request measured. Times are milliseconds from the moment the request was sent.</summary>
internal sealed class RequestOutcome
{
    public required int Index { get; init; }

    /// <summary>The shared prefix the prompt started with, or -1.</summary>
    public int PrefixIndex { get; init; } = -1;

    /// <summary>True for the first request of a run that uses its shared prefix (a server has not seen it yet, unless a
    /// previous run left it cached); with several clients a repeat may start before that first use has finished.</summary>
    public bool FirstUseOfPrefix { get; init; }

    /// <summary>Null when the request completed; otherwise why it failed (HTTP status, broken stream, refused connection).</summary>
    public string? Error { get; set; }

    /// <summary>True when the connection could not be made at all (nothing listening, unknown host).</summary>
    public bool ConnectionFailed { get; set; }

    /// <summary>Ctrl-C stopped the request: neither a completion nor an error.</summary>
    public bool Cancelled { get; set; }

    /// <summary>Time to the first chunk with text; null when none came.</summary>
    public double? TimeToFirstTokenMs { get; set; }

    /// <summary>Gaps between successive chunks with text.</summary>
    public List<double> InterTokenMs { get; } = [];

    /// <summary>Times the request was sent again because the server closed a reused connection without answering it.</summary>
    public int Resends { get; set; }

    public int ContentChunks { get; set; }
    public int? PromptTokens { get; set; }
    public int? CompletionTokens { get; set; }
    public int? CachedTokens { get; set; }

    public bool Succeeded => Error is null && !Cancelled;

    /// <summary>The server's count when it gave one; otherwise one token per chunk with text (llama-server sends one
    /// token per chunk; a server that batches several undercounts here).</summary>
    public int GeneratedTokens => CompletionTokens ?? ContentChunks;
}
