using Spindle.Tensors.Threading;

namespace Spindle.Tests.Tensors;

public sealed class WorkerPoolTests
{
    private sealed class CountingWork(int workers) : IParallelWork
    {
        public readonly int[] Calls = new int[workers];
        public int SeenCount = -1;

        public void Execute(int workerIndex, int workerCount)
        {
            Interlocked.Increment(ref Calls[workerIndex]);
            SeenCount = workerCount;
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void EveryWorkerRunsEachJobOnce(int threads)
    {
        using var pool = new WorkerPool(threads);
        var work = new CountingWork(threads);
        for (int i = 0; i < 1000; i++) pool.Run(work);
        Assert.All(work.Calls, c => Assert.Equal(1000, c));
        Assert.Equal(threads, work.SeenCount);
    }

    [Fact]
    public void JobsAfterIdlePeriodsStillRun()
    {
        using var pool = new WorkerPool(2);
        var work = new CountingWork(2);
        pool.Run(work);
        Thread.Sleep(50); // long enough for the worker to stop spinning and block
        pool.Run(work);
        Assert.Equal([2, 2], work.Calls);
    }

    private sealed class FailingWork : IParallelWork
    {
        public void Execute(int workerIndex, int workerCount)
        {
            if (workerIndex == 1) throw new InvalidOperationException("boom");
        }
    }

    [Fact]
    public void WorkerExceptionReachesTheCaller()
    {
        using var pool = new WorkerPool(2);
        var e = Assert.Throws<AggregateException>(() => pool.Run(new FailingWork()));
        Assert.IsType<InvalidOperationException>(e.InnerException);
        var work = new CountingWork(2);
        pool.Run(work);
        Assert.Equal([1, 1], work.Calls);
    }
}
