using Spindle.Caching;
using Spindle.Generation;
using Spindle.Serving;

namespace Spindle.Server.Models;

/// <summary>A loaded model with the batch engine that serves it.</summary>
public sealed class ServedModel : IDisposable
{
    internal ServedModel(string alias, SpindleModel model, BatchEngine engine, long fileBytes,
        Decoding.Speculative.SpeculationOptions? speculation = null, Spindle.Models.Model? draftModel = null)
    {
        Speculation = speculation;
        _draftModel = draftModel;
        Alias = alias;
        Model = model;
        Engine = engine;
        Bytes = fileBytes + KvBlockPool.ByteLength(engine.BlockPool.Shape, engine.BlockPool.Format, engine.BlockPool.MaxBlocks, engine.BlockPool.BlockSlots);
    }

    private readonly Spindle.Models.Model? _draftModel;

    public string Alias { get; }

    /// <summary>How requests decode speculatively unless they say <c>"draft": false</c>; null: they do not.</summary>
    public Decoding.Speculative.SpeculationOptions? Speculation { get; }

    public SpindleModel Model { get; }

    public BatchEngine Engine { get; }

    /// <summary>What the model may take: its file (weights) and its KV pool at full size.</summary>
    public long Bytes { get; }

    public void Dispose()
    {
        Engine.Dispose();
        Model.Dispose();
        _draftModel?.Dispose();
    }
}
