using Spindle.Tensors.Threading;

namespace Spindle.Tests.Tensors;

/// <summary>
/// <see cref="WorkerPool.RunShared"/>: the work shares itself out, the caller always takes part, workers join only while
/// the caller is still inside its own call, the caller waits for exactly the workers that joined, and no two threads
/// ever run under one worker index at once.
/// </summary>
public sealed class WorkerPoolSharedTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    /// <summary>Items handed out by an atomic counter (as the matmul and attention jobs do); records who did what.</summary>
    private sealed class SharedItems(int itemCount, int threadCount) : IParallelWork
    {
        private int _next;
        private int _participants;
        private readonly int[] _inside = new int[threadCount];
        public readonly int[] Done = new int[itemCount];
        public int Overlaps;
        public int BadArguments;

        /// <summary>
        /// Calls by a worker already counted in the current job. Allowed: a worker that saw the job's generation late
        /// can enter whichever shared job is open, and then see the same one again (WorkerPool.TryJoinShared); its calls
        /// come one after another on its own thread.
        /// </summary>
        public int Reentries;

        /// <summary>Bit i set when worker i called Execute during the current job.</summary>
        public int Participants => Volatile.Read(ref _participants);

        public void Reset()
        {
            _next = 0;
            _participants = 0;
            Array.Clear(Done);
        }

        public void Execute(int workerIndex, int workerCount)
        {
            if (workerCount != threadCount || (uint)workerIndex >= (uint)threadCount)
            {
                Interlocked.Increment(ref BadArguments);
                return;
            }
            // Per-worker scratch (attention's score rows) is indexed by worker: two threads must never share an index.
            if (Interlocked.Increment(ref _inside[workerIndex]) != 1) Interlocked.Increment(ref Overlaps);
            int bit = 1 << workerIndex;
            if ((Interlocked.Or(ref _participants, bit) & bit) != 0) Interlocked.Increment(ref Reentries);
            int i;
            while ((i = Interlocked.Increment(ref _next) - 1) < Done.Length) Interlocked.Increment(ref Done[i]);
            Interlocked.Decrement(ref _inside[workerIndex]);
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(8)]
    public void EveryItemIsDoneOnceWhicheverWorkersJoin(int threads)
    {
        using var pool = new WorkerPool(threads);
        for (int job = 0; job < 500; job++)
        {
            int items = 1 + job % 97;
            var work = new SharedItems(items, threads);
            pool.RunShared(work);
            Assert.All(work.Done, d => Assert.Equal(1, d));
            Assert.Equal(0, work.Overlaps);
            Assert.Equal(0, work.BadArguments);
            Assert.True((work.Participants & 1) != 0, $"job {job}: the caller (worker 0) did not take part");
        }
    }

    /// <summary>
    /// A pool with many more threads than this machine's cores, reused for thousands of jobs that alternate with
    /// <see cref="WorkerPool.Run"/>: workers that wake late for one shared job must neither redo its items nor miss the
    /// next job, whichever mode it has. Some shared jobs finish without every worker: the caller does not hold a job
    /// open until all workers have arrived.
    /// </summary>
    [Fact]
    public void LateWorkersSkipAJobWithoutHoldingTheCallerOrTheNextJob()
    {
        const int threads = 16;
        using var pool = new WorkerPool(threads);
        var shared = new SharedItems(8, threads);
        var everyone = new CountingWork(threads);
        int partial = 0;
        for (int job = 0; job < 2000; job++)
        {
            shared.Reset();
            pool.RunShared(shared);
            Assert.All(shared.Done, d => Assert.Equal(1, d));
            if (shared.Participants != (1 << threads) - 1) partial++;
            if (job % 4 == 3) pool.Run(everyone);
        }
        Assert.Equal(0, shared.Overlaps);
        Assert.Equal(0, shared.BadArguments);
        Assert.All(everyone.Calls, c => Assert.Equal(500, c));
        Assert.True(partial > 0, "every one of 2000 shared jobs waited for all 16 workers");
        output.WriteLine($"{partial} of 2000 shared jobs finished without every worker; {shared.Reentries} re-entries by a late worker");
    }

    private sealed class CountingWork(int workers) : IParallelWork
    {
        public readonly int[] Calls = new int[workers];

        public void Execute(int workerIndex, int workerCount) => Interlocked.Increment(ref Calls[workerIndex]);
    }

    /// <summary>The caller keeps the job open (inside its own call) until a worker has joined; then runs <paramref name="onWorker"/> on that worker.</summary>
    private sealed class JoinedByAWorker(Action onWorker) : IParallelWork
    {
        private readonly ManualResetEventSlim _joined = new();
        private int _taken;
        public bool WorkerJoined => _joined.IsSet;

        public void Execute(int workerIndex, int workerCount)
        {
            if (workerIndex == 0)
            {
                // Bounded: a pool whose workers never join fails the test instead of hanging it.
                _joined.Wait(Patience);
                return;
            }
            if (Interlocked.Exchange(ref _taken, 1) != 0) return; // one worker is enough
            _joined.Set();
            onWorker();
        }
    }

    [Fact]
    public void TheCallerWaitsForAWorkerThatJoined()
    {
        using var pool = new WorkerPool(2);
        bool finished = false;
        var work = new JoinedByAWorker(() =>
        {
            Thread.Sleep(100); // still working after the caller's own share is done
            Volatile.Write(ref finished, true);
        });
        pool.RunShared(work);
        Assert.True(work.WorkerJoined, $"no worker joined within {Patience.TotalSeconds} s");
        Assert.True(Volatile.Read(ref finished), "RunShared returned while a worker that joined was still running the job");
    }

    [Fact]
    public void AWorkersExceptionReachesTheCallerAndThePoolGoesOn()
    {
        using var pool = new WorkerPool(3);
        var work = new JoinedByAWorker(() => throw new InvalidOperationException("worker failed"));
        var e = Assert.Throws<AggregateException>(() => pool.RunShared(work));
        Assert.True(work.WorkerJoined, $"no worker joined within {Patience.TotalSeconds} s");
        Assert.Equal("worker failed", Assert.IsType<InvalidOperationException>(e.InnerException).Message);

        // The error is reported once: the next jobs, shared or not, run cleanly.
        var items = new SharedItems(50, 3);
        pool.RunShared(items);
        Assert.All(items.Done, d => Assert.Equal(1, d));
        var counting = new CountingWork(3);
        pool.Run(counting);
        Assert.Equal([1, 1, 1], counting.Calls);
    }

    private sealed class ThrowOnCaller : IParallelWork
    {
        public void Execute(int workerIndex, int workerCount)
        {
            if (workerIndex == 0) throw new ArgumentException("caller failed");
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void TheCallersExceptionReachesTheCallerAndThePoolGoesOn(int threads)
    {
        using var pool = new WorkerPool(threads);
        var e = Assert.ThrowsAny<Exception>(() => pool.RunShared(new ThrowOnCaller()));
        // A one-thread pool runs the work inline and lets the exception through as it is; a larger one wraps it.
        var inner = e is AggregateException aggregate ? Assert.Single(aggregate.InnerExceptions) : e;
        Assert.Equal("caller failed", Assert.IsType<ArgumentException>(inner).Message);
        var items = new SharedItems(10, threads);
        pool.RunShared(items);
        Assert.All(items.Done, d => Assert.Equal(1, d));
    }

    [Fact]
    public async Task DisposeStopsIdleWorkersAndLaterJobsAreRefused()
    {
        var pool = new WorkerPool(4);
        pool.RunShared(new SharedItems(10, 4));
        await Task.Delay(50); // the workers stop spinning and block
        var dispose = Task.Run(pool.Dispose);
        Assert.True(await Task.WhenAny(dispose, Task.Delay(Patience)) == dispose, $"Dispose did not return within {Patience.TotalSeconds} s");
        Assert.Throws<ObjectDisposedException>(() => pool.RunShared(new SharedItems(1, 4)));
        Assert.Throws<ObjectDisposedException>(() => pool.Run(new CountingWork(4)));
        pool.Dispose(); // a second Dispose is harmless
    }
}
