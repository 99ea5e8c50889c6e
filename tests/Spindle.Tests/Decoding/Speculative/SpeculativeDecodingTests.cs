using Spindle.Decoding.Speculative;
using Spindle.Generation;
using Spindle.Models;
using Spindle.Sampling;
using Spindle.Tests.Generation;

namespace Spindle.Tests.Decoding.Speculative;

public sealed class SpeculativeDecodingTests
{
    private static string Stories281K => SharedData.PathOf("models", "stories281K", "stories281K.f32.gguf");

    private static readonly string[] Prompts =
    [
        "Once upon a time", "The little dog", "Lily wanted to", "One day, a boy named Tom", "The sun was", "Mom said",
        "They went to the park and", "The cat saw a bird", "Tim and Sue", "There was a big tree", "She was sad because",
        "The end. Once upon a time, there was a little girl named Lily. Lily",
    ];

    public static TheoryData<string> Methods() => ["draft", "draft-adaptive", "lookup", "recycle", "recycle-order1", "self"];

    private static SpeculationOptions Options(string method, Model draft) => method switch
    {
        "draft" => new SpeculationOptions { DraftModel = draft, DraftMax = 5 },
        "draft-adaptive" => new SpeculationOptions { DraftModel = draft, DraftMax = 8, DraftPMin = 0.6f },
        "lookup" => new SpeculationOptions { Method = SpeculationMethod.Lookup, DraftMax = 6, LookupNgram = 2 },
        "recycle" => new SpeculationOptions { Method = SpeculationMethod.Recycle, DraftMax = 20, RecycleDepth = 5 },
        "recycle-order1" => new SpeculationOptions { Method = SpeculationMethod.Recycle, DraftMax = 20, RecycleDepth = 5, RecycleOrder = 1 },
        _ => new SpeculationOptions { Method = SpeculationMethod.SelfSpeculation, SelfSpeculationLayers = 3, DraftMax = 4 },
    };

    [Theory]
    [MemberData(nameof(Methods))]
    public void GreedyOutputIsTheTargetsTokenForToken(string method)
    {
        using var target = GenerationTestModels.Load(GenerationTestModels.Stories260K);
        using var draft = Model.Load(Stories281K, new ModelOptions { ThreadCount = 1 });
        var speculation = Options(method, draft);
        long accepted = 0;
        foreach (string prompt in Prompts)
        {
            var plain = new GenerationOptions { MaxTokens = 80, Sampling = new SamplingOptions { Temperature = 0 } };
            target.ResetCache();
            int[] expected = GenerationTestModels.IdsOf(GenerationTestModels.Collect(target.GenerateAsync(prompt, plain)));
            target.ResetCache();
            var chunks = GenerationTestModels.Collect(target.GenerateAsync(prompt, plain with { Speculation = speculation }));
            Assert.Equal(expected, GenerationTestModels.IdsOf(chunks));
            var stats = chunks[^1].Usage!.Speculation!;
            Assert.Equal(expected.Length, stats.Generated);
            accepted += stats.Accepted;
        }
        // The drafts are not all rejected (otherwise the test would not exercise acceptance).
        Assert.True(accepted > Prompts.Length, $"only {accepted} drafts accepted");
    }

    [Fact]
    public void GreedyIsLosslessOnTheBatchOfTheNextPromptToo()
    {
        // The cache kept after a speculative call serves the next call's shared prefix exactly.
        using var target = GenerationTestModels.Load(GenerationTestModels.Stories260K);
        var greedy = new GenerationOptions { MaxTokens = 40, Sampling = new SamplingOptions { Temperature = 0 } };
        var recycle = greedy with { Speculation = new SpeculationOptions { Method = SpeculationMethod.Recycle, DraftMax = 12 } };
        string first = GenerationTestModels.TextOf(GenerationTestModels.Collect(target.GenerateAsync("Once upon a time", recycle)));
        int[] continued = GenerationTestModels.IdsOf(GenerationTestModels.Collect(target.GenerateAsync("Once upon a time" + first, recycle)));
        target.ResetCache();
        int[] fresh = GenerationTestModels.IdsOf(GenerationTestModels.Collect(target.GenerateAsync("Once upon a time" + first, greedy)));
        Assert.Equal(fresh, continued);
    }
}
