namespace Spindle.Tensors.Threading;

/// <summary>
/// A piece of work <see cref="WorkerPool"/> runs on every worker at once. Each call gets its worker index and the
/// worker count and takes its own share; implementations are reusable objects so that dispatching allocates nothing.
/// </summary>
public interface IParallelWork
{
    void Execute(int workerIndex, int workerCount);
}
