namespace Spindle.Serving;

/// <summary>The engine's queue is full: the request was not accepted (HTTP 429); retry later.</summary>
public sealed class EngineBusyException(int queued)
    : SpindleException($"the server is busy: {queued} requests are already waiting")
{
    public int Queued { get; } = queued;
}
