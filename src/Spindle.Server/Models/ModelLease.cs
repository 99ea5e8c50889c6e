namespace Spindle.Server.Models;

/// <summary>A request's hold on a loaded model: while any lease is open the model is not unloaded.</summary>
public sealed class ModelLease : IDisposable
{
    private readonly Action _release;
    private int _released;

    internal ModelLease(ServedModel model, Action release)
    {
        Model = model;
        _release = release;
    }

    public ServedModel Model { get; }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _released, 1) == 0) _release();
    }
}
