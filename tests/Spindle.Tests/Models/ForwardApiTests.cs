using Spindle.Caching;
using Spindle.Models;
using Spindle.Tensors.Threading;

namespace Spindle.Tests.Models;

/// <summary>The parts of the one forward API beyond plain batches: early exit, a layer's hidden state, cancellation, concurrency.</summary>
public sealed class ForwardApiTests
{
    private static Model Load(string file, ModelOptions? options = null) =>
        Model.Load(SharedData.PathOf("conformance", file), options ?? new ModelOptions { ThreadCount = 2 });

    [Fact]
    public void EarlyExitIsTheFinalNormAndHeadAppliedToThatLayersResidual()
    {
        using var model = Load("llama.f32.gguf");
        int v = model.Config.VocabSize, e = model.Config.EmbeddingLength;
        int[] prompt = ReferenceModels.ConformancePrompt;
        var batch = new ForwardBatch();
        batch.AddSequence(prompt, 0, outputLast: true);

        var residual = new float[e];
        model.Forward(batch, model.CreateCache(), default, residual, new ForwardOptions { HiddenStateLayer = 0 });
        var exitLogits = new float[v];
        var exitHidden = new float[e];
        model.Forward(batch, model.CreateCache(), exitLogits, exitHidden, new ForwardOptions { ExitAfterLayer = 1 });
        var fullLogits = new float[v];
        model.Forward(batch, model.CreateCache(), fullLogits);

        // The exit's hidden state is RMSNorm(layer-0 residual) with the output norm's weights.
        var expected = new float[e];
        Spindle.Tensors.Ops.RmsNorm.Apply(residual, model.Weights.OutputNorm.Values, model.Config.RmsEpsilon, expected);
        Assert.True(ForwardConsistencyTests.MaxAbsDelta(expected, exitHidden) <= 1e-5);
        // ... and differs from the full model's output (two layers here).
        Assert.True(ForwardConsistencyTests.MaxAbsDelta(exitLogits, fullLogits) > 1e-2);
        // Exiting after the last layer is the full model.
        var allLayers = new float[v];
        model.Forward(batch, model.CreateCache(), allLayers, default, new ForwardOptions { ExitAfterLayer = model.Config.LayerCount });
        Assert.Equal(fullLogits, allLayers);
    }

    [Fact]
    public void EmptyLogitsSkipTheHeadButStillGiveHiddenStates()
    {
        using var model = Load("gemma.f32.gguf");
        int e = model.Config.EmbeddingLength, v = model.Config.VocabSize;
        int[] prompt = ReferenceModels.ConformancePrompt;
        var batch = new ForwardBatch();
        batch.AddSequence(prompt, 0, outputAll: true);
        var hiddenOnly = new float[prompt.Length * e];
        model.Forward(batch, model.CreateCache(), default, hiddenOnly);
        var hidden = new float[prompt.Length * e];
        model.Forward(batch, model.CreateCache(), new float[prompt.Length * v], hidden);
        Assert.Equal(hidden, hiddenOnly);
    }

    [Fact]
    public void CancellationStopsBetweenMicroBatchesAndKeepsWhatFinished()
    {
        using var model = Load("llama.f32.gguf", new ModelOptions { ThreadCount = 1, MicroBatchSize = 4 });
        int[] prompt = ReferenceModels.ConformancePrompt;
        var cache = model.CreateCache();
        var batch = new ForwardBatch();
        batch.AddSequence(prompt, 0, outputLast: true);
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        Assert.ThrowsAny<OperationCanceledException>(() => model.Forward(batch, cache, new float[model.Config.VocabSize], cancellationToken: cts.Token));
        // The first micro-batch always runs (a cancelled token is checked between micro-batches).
        Assert.Equal(4, cache.Count);
        // Resuming from where it stopped gives the uncancelled result.
        var resumed = new float[model.Config.VocabSize];
        var rest = new ForwardBatch();
        rest.AddSequence(prompt.AsSpan(4), 4, outputLast: true);
        model.Forward(rest, cache, resumed);
        var whole = new float[model.Config.VocabSize];
        model.Forward(batch, model.CreateCache(), whole);
        Assert.Equal(whole, resumed);
    }

    [Fact]
    public void ConcurrentForwardsOnOneModelAreSerializedAndExact()
    {
        using var model = Load("qwen2.f32.gguf");
        int v = model.Config.VocabSize;
        int[] prompt = ReferenceModels.ConformancePrompt;
        var expected = new float[v];
        model.Forward(prompt, ModelConformanceTests.Positions(0, prompt.Length), model.CreateCache(), expected);
        var results = new float[4][];
        Parallel.For(0, 4, new ParallelOptions { MaxDegreeOfParallelism = 4 }, i =>
        {
            var logits = new float[v];
            for (int r = 0; r < 5; r++) model.Forward(prompt, ModelConformanceTests.Positions(0, prompt.Length), model.CreateCache(), logits);
            results[i] = logits;
        });
        foreach (var r in results) Assert.Equal(expected, r);
    }

    [Fact]
    public async Task TwoModelsShareOnePoolWithoutInterference()
    {
        using var pool = new WorkerPool(2);
        using var a = Load("llama.f32.gguf", new ModelOptions { WorkerPool = pool });
        using var b = Load("phi3.f32.gguf", new ModelOptions { WorkerPool = pool });
        Assert.Same(pool, a.WorkerPool);
        int[] prompt = ReferenceModels.ConformancePrompt;
        int v = a.Config.VocabSize;
        var expectedA = new float[v];
        var expectedB = new float[v];
        a.Forward(prompt, ModelConformanceTests.Positions(0, prompt.Length), a.CreateCache(), expectedA);
        b.Forward(prompt, ModelConformanceTests.Positions(0, prompt.Length), b.CreateCache(), expectedB);
        var gotA = new float[v];
        var gotB = new float[v];
        var ta = Task.Run(() => { for (int r = 0; r < 10; r++) a.Forward(prompt, ModelConformanceTests.Positions(0, prompt.Length), a.CreateCache(), gotA); });
        var tb = Task.Run(() => { for (int r = 0; r < 10; r++) b.Forward(prompt, ModelConformanceTests.Positions(0, prompt.Length), b.CreateCache(), gotB); });
        await Task.WhenAll(ta, tb);
        Assert.Equal(expectedA, gotA);
        Assert.Equal(expectedB, gotB);
        // Disposing a model does not dispose a pool it was lent.
        a.Dispose();
        b.Forward(prompt, ModelConformanceTests.Positions(0, prompt.Length), b.CreateCache(), gotB);
        Assert.Equal(expectedB, gotB);
    }

    [Fact]
    public void BadBatchesAreRefusedBeforeAnythingIsWritten()
    {
        using var model = Load("llama.f32.gguf");
        int v = model.Config.VocabSize;
        var cache = model.CreateCache(capacity: 8);
        var batch = new ForwardBatch();
        batch.AddSequence([1, 2, 3], 0);
        batch.Add(v + 5, 3);
        Assert.Throws<ArgumentOutOfRangeException>(() => model.Forward(batch, cache, default));
        Assert.Equal(0, cache.Count);

        batch.Clear();
        batch.AddSequence([1, 2, 3], 0, sequence: 1);
        Assert.Throws<ArgumentException>(() => model.Forward(batch, cache, default)); // sequence 1 has no cache

        batch.Clear();
        batch.AddSequence(new int[9], 0, outputLast: true);
        Assert.Throws<KvCacheFullException>(() => model.Forward(batch, cache, new float[v]));
        Assert.Equal(0, cache.Count);

        batch.Clear();
        batch.AddSequence([1, 2], 0, outputAll: true);
        Assert.Throws<ArgumentException>(() => model.Forward(batch, cache, new float[v])); // room for one row only

        var other = Model.Load(SharedData.PathOf("models", "stories260K", "stories260K.f32.gguf"), new ModelOptions { ThreadCount = 1 });
        using (other)
            Assert.Throws<ArgumentException>(() => model.Forward(batch, other.CreateCache(), new float[2 * v]));
    }
}
