using System.Diagnostics;
using Spindle.Tensors.Diagnostics;

namespace Spindle.Tensors.Threading;

/// <summary>
/// A fixed set of threads that run one <see cref="IParallelWork"/> at a time, the caller being worker 0.
/// Threads are created once: dispatching a job allocates nothing and creates no thread. Between jobs a worker spins
/// briefly (decode issues many small matmuls back to back) and then blocks, so an idle pool costs no CPU.
/// One job at a time: callers on other threads (two models sharing the pool) wait for the running job to finish, so
/// the pool's threads are never oversubscribed; a job that dispatches another job from inside itself is refused.
/// </summary>
public sealed class WorkerPool : IDisposable
{
    // Spin iterations a worker polls for the next job before it blocks; a few hundred microseconds.
    private const int SpinIterationsBeforeBlocking = 300;

    private readonly Thread[] _threads;
    private readonly object _gate = new();
    // Serializes callers: jobs from two models sharing the pool interleave, one at a time.
    private readonly object _jobGate = new();
    private IParallelWork? _work;
    // Bumped by 2 per job; the low bit says the job is shared (RunShared), so a worker reads a job's mode together
    // with its generation and never pairs a stale generation with a newer job's mode.
    private int _generation;
    private int _pending;
    // For a shared job: OpenBit while workers may still join, plus the count of workers inside it.
    private const int OpenBit = 1 << 30;
    private int _sharedState;
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
        lock (_jobGate)
        {
            EnterJob();
            try
            {
                RunExclusive(work);
            }
            finally
            {
                _inJob = false;
            }
        }
    }

    private void RunExclusive(IParallelWork work)
    {
        if (_threads.Length == 0)
        {
            work.Execute(0, 1);
            return;
        }
        _work = work;
        Volatile.Write(ref _pending, _threads.Length);
        Publish(shared: false);
        Exception? callerError = null;
        try
        {
            work.Execute(0, ThreadCount);
        }
        catch (Exception e)
        {
            callerError = e;
        }
        long t0 = ForwardProfile.Start();
        var spin = new SpinWait();
        while (Volatile.Read(ref _pending) != 0) spin.SpinOnce(sleep1Threshold: -1);
        ForwardProfile.Stop(ForwardPhase.PoolWait, t0);
        _work = null;
        ThrowErrors(callerError);
    }

    /// <summary>
    /// Runs <paramref name="work"/> on the calling thread and on whichever workers start before the caller has finished
    /// its own call; a worker that the OS has not scheduled by then skips the job instead of holding the caller at a
    /// barrier (the machine may have more runnable threads than cores). The work must therefore share itself out
    /// dynamically, so that one call alone does all of it, and must not depend on which workers took part.
    /// </summary>
    public void RunShared(IParallelWork work)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        lock (_jobGate)
        {
            EnterJob();
            try
            {
                RunSharedExclusive(work);
            }
            finally
            {
                _inJob = false;
            }
        }
    }

    private bool _inJob;

    private void EnterJob()
    {
        if (_inJob) throw new InvalidOperationException("a job dispatched another job on the same worker pool from inside itself");
        _inJob = true;
    }

    private void RunSharedExclusive(IParallelWork work)
    {
        if (_threads.Length == 0)
        {
            work.Execute(0, 1);
            return;
        }
        _work = work;
        Volatile.Write(ref _sharedState, OpenBit);
        Publish(shared: true);
        Exception? callerError = null;
        try
        {
            work.Execute(0, ThreadCount);
        }
        catch (Exception e)
        {
            callerError = e;
        }
        // Close the job, then wait only for workers already inside it.
        long t0 = ForwardProfile.Start();
        Interlocked.And(ref _sharedState, ~OpenBit);
        var spin = new SpinWait();
        while (Volatile.Read(ref _sharedState) != 0) spin.SpinOnce(sleep1Threshold: -1);
        ForwardProfile.Stop(ForwardPhase.PoolWait, t0);
        _work = null;
        ThrowErrors(callerError);
    }

    private void Publish(bool shared)
    {
        // Writing the generation publishes _work; pulsing under the lock wakes workers that already blocked.
        lock (_gate)
        {
            Volatile.Write(ref _generation, ((_generation >> 1) + 1) << 1 | (shared ? 1 : 0));
            Monitor.PulseAll(_gate);
        }
    }

    private void ThrowErrors(Exception? callerError)
    {
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
            if ((seen & 1) != 0)
            {
                TryJoinShared(workerIndex);
                continue;
            }
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

    /// <summary>
    /// Enters the shared job that is open now, if any (possibly a later one than the generation seen: its _work is the
    /// one published with it, and the caller cannot replace it while this worker is counted inside).
    /// </summary>
    private void TryJoinShared(int workerIndex)
    {
        while (true)
        {
            int state = Volatile.Read(ref _sharedState);
            if ((state & OpenBit) == 0) return;
            if (Interlocked.CompareExchange(ref _sharedState, state + 1, state) == state) break;
        }
        try
        {
            _work!.Execute(workerIndex, ThreadCount);
        }
        catch (Exception e)
        {
            _workerError = e;
        }
        Interlocked.Decrement(ref _sharedState);
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
