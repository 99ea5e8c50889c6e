using Spindle.Serving;

namespace Spindle.Server.Tests;

internal static class EngineAssert
{
    /// <summary>Waits (briefly) for an engine to go idle: no sequences, no queue, no KV blocks held by sequences.</summary>
    public static void Idle(BatchEngine engine)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (engine.Stats is { ActiveSequences: > 0 } or { KvBlocksInUse: > 0 } or { QueuedRequests: > 0 } && DateTime.UtcNow < deadline) Thread.Sleep(20);
        var stats = engine.Stats;
        Assert.Equal(0, stats.ActiveSequences);
        Assert.Equal(0, stats.QueuedRequests);
        Assert.Equal(0, stats.KvBlocksInUse);
    }
}
