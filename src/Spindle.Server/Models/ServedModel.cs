using Spindle.Caching;
using Spindle.Generation;
using Spindle.Serving;

namespace Spindle.Server.Models;

/// <summary>A loaded model with the batch engine that serves it.</summary>
public sealed class ServedModel : IDisposable
{
    internal ServedModel(string alias, SpindleModel model, BatchEngine engine, long fileBytes)
    {
        Alias = alias;
        Model = model;
        Engine = engine;
        Bytes = fileBytes + KvBlockPool.ByteLength(engine.BlockPool.Shape, engine.BlockPool.Format, engine.BlockPool.MaxBlocks, engine.BlockPool.BlockSlots);
    }

    public string Alias { get; }

    public SpindleModel Model { get; }

    public BatchEngine Engine { get; }

    /// <summary>What the model may take: its file (weights) and its KV pool at full size.</summary>
    public long Bytes { get; }

    public void Dispose()
    {
        Engine.Dispose();
        Model.Dispose();
    }
}
