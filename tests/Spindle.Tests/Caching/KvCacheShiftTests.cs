using Spindle.Caching;
using Spindle.Models;
using Spindle.Tests.Models;

namespace Spindle.Tests.Caching;

/// <summary>
/// Shifting cached positions re-rotates the keys (llama.cpp's K-shift): RoPE rotations compose, so the shifted cache
/// must predict what a cache filled at the shifted positions predicts — up to fp32 rounding with an F32 cache, up to
/// the cache type's rounding of the rotated keys otherwise.
/// </summary>
public sealed class KvCacheShiftTests
{
    public static TheoryData<string, KvCacheType, double> Cases() => new()
    {
        { "conformance/llama.f32.gguf", KvCacheType.F32, 1e-4 },   // normal RoPE
        { "conformance/qwen2.f32.gguf", KvCacheType.F32, 1e-4 },   // NEOX RoPE, base 1e6
        { "conformance/gemma.f32.gguf", KvCacheType.F32, 1e-4 },
        { "conformance/llama.f32.gguf", KvCacheType.F16, 5e-2 },   // the shifted key is rounded to F16 twice
        { "conformance/llama.f32.gguf", KvCacheType.Q8_0, 5e-1 },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void ShiftedCachePredictsAsIfFilledAtTheShiftedPositions(string file, KvCacheType type, double bound)
    {
        using var model = Model.Load(SharedData.PathOf(file.Split('/')), new ModelOptions { ThreadCount = 2 });
        int v = model.Config.VocabSize;
        int[] prompt = ReferenceModels.ConformancePrompt;
        int n = prompt.Length, delta = 37;

        var shifted = model.CreateCache(type, 128);
        model.Forward(prompt, ModelConformanceTests.Positions(0, n), shifted, new float[v]);
        model.ShiftPositions(shifted, 0, n, delta);
        Assert.Equal(ModelConformanceTests.Positions(delta, n), shifted.Positions.ToArray());

        var direct = model.CreateCache(type, 128);
        model.Forward(prompt, ModelConformanceTests.Positions(delta, n), direct, new float[v]);

        var a = new float[v];
        var b = new float[v];
        model.Forward([153], [n + delta], shifted, a);
        model.Forward([153], [n + delta], direct, b);
        double maxDelta = ForwardConsistencyTests.MaxAbsDelta(a, b);
        Assert.True(maxDelta <= bound, $"max |Δ| {maxDelta}");
        // An unshifted cache at the wrong positions is far off: the test can tell.
        var unshifted = model.CreateCache(type, 128);
        model.Forward(prompt, ModelConformanceTests.Positions(0, n), unshifted, new float[v]);
        var c = new float[v];
        model.Forward([153], [n + delta], unshifted, c);
        Assert.True(ForwardConsistencyTests.MaxAbsDelta(c, b) > 10 * bound);
    }

    /// <summary>
    /// Dropping the start of a context: move the kept slots down, truncate, shift them back by what was dropped. The
    /// first layer's keys and values depend only on each token and its position, so there they must equal a fresh run
    /// of the kept tokens from position 0 (deeper layers still remember the dropped tokens, as in llama.cpp's context shift).
    /// </summary>
    [Fact]
    public void DroppingTheStartGivesTheFirstLayerAFreshRunsKeys()
    {
        using var model = Model.Load(SharedData.PathOf("conformance", "phi3.f32.gguf"), new ModelOptions { ThreadCount = 2 });
        int v = model.Config.VocabSize, kd = model.Config.KeyHeadDim, vd = model.Config.ValueHeadDim;
        int[] prompt = ReferenceModels.ConformancePrompt;
        int n = prompt.Length, drop = 5;

        var window = model.CreateCache(KvCacheType.F32, 64);
        model.Forward(prompt, ModelConformanceTests.Positions(0, n), window, new float[v]);
        window.CopySlots(drop, n - drop, window, 0);
        window.Truncate(n - drop);
        model.ShiftPositions(window, 0, n - drop, -drop);
        Assert.Equal(ModelConformanceTests.Positions(0, n - drop), window.Positions.ToArray());

        var fresh = model.CreateCache(KvCacheType.F32, 64);
        model.Forward(prompt.AsSpan(drop), ModelConformanceTests.Positions(0, n - drop), fresh, new float[v]);
        var a = new float[Math.Max(kd, vd)];
        var b = new float[Math.Max(kd, vd)];
        double keyDelta = 0, valueDelta = 0;
        for (int s = 0; s < n - drop; s++)
        {
            for (int h = 0; h < model.Config.KvHeadCount; h++)
            {
                window.ReadKey(0, h, s, a);
                fresh.ReadKey(0, h, s, b);
                keyDelta = Math.Max(keyDelta, ForwardConsistencyTests.MaxAbsDelta(a.AsSpan(0, kd), b.AsSpan(0, kd)));
                window.ReadValue(0, h, s, a);
                fresh.ReadValue(0, h, s, b);
                valueDelta = Math.Max(valueDelta, ForwardConsistencyTests.MaxAbsDelta(a.AsSpan(0, vd), b.AsSpan(0, vd)));
            }
        }
        Assert.True(keyDelta <= 1e-5, $"keys: max |Δ| {keyDelta}");
        Assert.Equal(0, valueDelta);
    }

    [Fact]
    public void ShiftingASharedPagedBlockLeavesTheOtherSequenceAlone()
    {
        using var model = Model.Load(SharedData.PathOf("conformance", "llama.f32.gguf"), new ModelOptions { ThreadCount = 1 });
        int v = model.Config.VocabSize;
        int[] prompt = ReferenceModels.ConformancePrompt;
        var pool = model.CreateBlockPool(16, KvCacheType.F32, blockSlots: 8);
        using var a = pool.CreateSequence(64);
        model.Forward(prompt, ModelConformanceTests.Positions(0, prompt.Length), a, new float[v]);
        using var b = (PagedKvCache)a.Fork();
        model.ShiftPositions(b, 0, prompt.Length, 9);
        Assert.Equal(ModelConformanceTests.Positions(0, prompt.Length), a.Positions.ToArray());
        Assert.NotEqual(a.BlockTable[0], b.BlockTable[0]);
        var before = new float[model.Config.KeyHeadDim];
        var after = new float[model.Config.KeyHeadDim];
        a.ReadKey(0, 0, 3, before);
        b.ReadKey(0, 0, 3, after);
        Assert.NotEqual(before, after);
        var fresh = model.CreateCache(KvCacheType.F32, 64);
        model.Forward(prompt, ModelConformanceTests.Positions(0, prompt.Length), fresh, new float[v]);
        var expected = new float[model.Config.KeyHeadDim];
        fresh.ReadKey(0, 0, 3, expected);
        Assert.Equal(expected, before);
    }
}
