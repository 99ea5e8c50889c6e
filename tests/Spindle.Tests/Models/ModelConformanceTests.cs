using Spindle.Models;

namespace Spindle.Tests.Models;

/// <summary>Teacher-forced logits and greedy continuations against llama.cpp's reference outputs.</summary>
public sealed class ModelConformanceTests(ITestOutputHelper output)
{
    [Theory]
    [MemberData(nameof(ReferenceModels.Names), MemberType = typeof(ReferenceModels))]
    public void PromptLogitsMatchLlamaCpp(string file)
    {
        var entry = ReferenceModels.Find(file);
        using var model = Model.Load(entry.GgufPath, new ModelOptions { ThreadCount = 1 });
        var cache = model.CreateCache();
        int n = entry.Prompt.Length, vocab = model.Config.VocabSize;
        var logits = new float[n * vocab];
        model.Forward(entry.Prompt, Positions(0, n), cache, logits, allLogits: true);

        var reference = ReferenceModels.ReadLogits(entry);
        Assert.Equal(reference.Length, logits.Length);
        var cmp = LogitsComparison.Compare(reference, logits, vocab);
        output.WriteLine($"{file}: {cmp}");
        Assert.True(cmp.MaxAbsDelta <= entry.MaxAbsDelta, $"{file}: {cmp}");
        Assert.True(cmp.MeanKl <= entry.MaxMeanKl, $"{file}: {cmp}");
        Assert.True(cmp.Rows - cmp.Top1Agreements <= entry.MaxTop1Flips, $"{file}: {cmp}");
    }

    [Theory]
    [MemberData(nameof(ReferenceModels.GreedyNames), MemberType = typeof(ReferenceModels))]
    public void GreedyContinuationMatchesLlamaCpp(string file)
    {
        var entry = ReferenceModels.Find(file);
        using var model = Model.Load(entry.GgufPath, new ModelOptions { ThreadCount = 1 });
        var expected = ReferenceModels.ReadGreedy(entry);
        Assert.True(expected.Length >= entry.GreedyTokens);
        int[] actual = Greedy(model, entry.Prompt, entry.GreedyTokens);
        Assert.Equal(expected.Take(entry.GreedyTokens), actual);
    }

    /// <summary>Prefills <paramref name="prompt"/> as one batch, then decodes one token at a time, picking the argmax.</summary>
    internal static int[] Greedy(Model model, int[] prompt, int count)
    {
        var cache = model.CreateCache();
        var logits = new float[model.Config.VocabSize];
        model.Forward(prompt, Positions(0, prompt.Length), cache, logits);
        var result = new int[count];
        Span<int> token = stackalloc int[1];
        Span<int> position = stackalloc int[1];
        for (int i = 0; i < count; i++)
        {
            result[i] = LogitsComparison.ArgMax(logits);
            if (i == count - 1) break;
            token[0] = result[i];
            position[0] = cache.Count;
            model.Forward(token, position, cache, logits);
        }
        return result;
    }

    internal static int[] Positions(int start, int count) => Enumerable.Range(start, count).ToArray();
}
