using System.Diagnostics;

namespace Spindle.Tensors;

/// <summary>
/// A fixed set of threads that run one <see cref="IParallelWork"/> at a time, the caller being worker 0.
/// Threads are created once: dispatching a job allocates nothing and creates no thread. Between jobs a worker spins
/// briefly (decode issues many small matmuls back to back) and then blocks, so an idle pool costs no CPU.
/// Not reentrant: one <see cref="Run"/> at a time.
/// </summary>
public sealed class WorkerPool : IDisposable
{
    // Spin iterations a worker polls for the next job before it blocks; a few hundred microseconds.
    private const int SpinIterationsBeforeBlocking = 300;

    private readonly Thread[] _threads;
    private readonly object _gate = new();
    private IParallelWork? _work;
    private int _generation;
    private int _pending;
    private volatile bool _disposed;

    public WorkerPool(int threadCount)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(threadCount, 1);
        ThreadCount = threadCount;
        _threads = new Thread[threadCount - 1];
        for (int i = 0; i < _threads.Length; i++)
        {
            int workerIndex = i + 1;
            _threads[i] = new Thread(() => WorkerLoop(workerIndex))
            {
                IsBackground = true,
                Name = $"spindle-worker-{workerIndex}",
            };
            _threads[i].Start();
        }
    }

    /// <summary>Workers including the calling thread.</summary>
    public int ThreadCount { get; }

    /// <summary>Runs <paramref name="work"/> on every worker and returns when all have finished.</summary>
    public void Run(IParallelWork work)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_threads.Length == 0)
        {
            work.Execute(0, 1);
            return;
        }
        _work = work;
        Volatile.Write(ref _pending, _threads.Length);
        // The increment publishes _work; pulsing under the lock wakes workers that already blocked.
        lock (_gate)
        {
            Interlocked.Increment(ref _generation);
            Monitor.PulseAll(_gate);
        }
        Exception? callerError = null;
        try
        {
            work.Execute(0, ThreadCount);
        }
        catch (Exception e)
        {
            callerError = e;
        }
        var spin = new SpinWait();
        while (Volatile.Read(ref _pending) != 0) spin.SpinOnce(sleep1Threshold: -1);
        _work = null;
        if (callerError != null) throw new AggregateException(callerError);
        if (_workerError != null)
        {
            var e = _workerError;
            _workerError = null;
            throw new AggregateException(e);
        }
    }

    private Exception? _workerError;

    private void WorkerLoop(int workerIndex)
    {
        int seen = 0;
        while (true)
        {
            int spins = 0;
            while (Volatile.Read(ref _generation) == seen && !_disposed && spins < SpinIterationsBeforeBlocking)
            {
                Thread.SpinWait(20);
                spins++;
            }
            if (Volatile.Read(ref _generation) == seen && !_disposed)
            {
                lock (_gate)
                {
                    while (Volatile.Read(ref _generation) == seen && !_disposed) Monitor.Wait(_gate);
                }
            }
            if (_disposed) return;
            seen = Volatile.Read(ref _generation);
            var work = _work;
            Debug.Assert(work != null);
            try
            {
                work.Execute(workerIndex, ThreadCount);
            }
            catch (Exception e)
            {
                _workerError = e;
            }
            Interlocked.Decrement(ref _pending);
        }
    }

    public void Dispose()
    {
        if (_disposed) return;
        lock (_gate)
        {
            _disposed = true;
            Monitor.PulseAll(_gate);
        }
        foreach (var t in _threads) t.Join();
    }
}
