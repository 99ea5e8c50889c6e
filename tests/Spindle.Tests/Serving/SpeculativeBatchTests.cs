using Spindle.Decoding.Speculative;
using Spindle.Generation;
using Spindle.Models;
using Spindle.Sampling;
using Spindle.Serving;
using static Spindle.Tests.Generation.GenerationTestModels;

namespace Spindle.Tests.Serving;

/// <summary>
/// Speculative decoding inside the continuous batch: plain, lookup, recycling (a tree, so the whole step runs under an
/// attention mask, chunked prefills included) and draft-model requests side by side each get their solo greedy tokens.
/// </summary>
public sealed class SpeculativeBatchTests
{
    private static readonly string[] Prompts =
    [
        "Once upon a time", "The little dog saw the little dog and the little dog", "Lily and Tom went to the park. They saw",
        "One day, a bird", "Tim had a red ball. Tim had a red ball. Tim",
    ];

    [Fact]
    public async Task SpeculativeRequestsGetTheirSoloGreedyTokensBesideOthers()
    {
        using var model = Load(Stories260K, threads: 2);
        using var draft = Model.Load(SharedData.PathOf("models", "stories281K", "stories281K.f32.gguf"), new ModelOptions { WorkerPool = model.Model.WorkerPool });
        var plain = new GenerationOptions { MaxTokens = 48, Sampling = SamplingOptions.Greedy };
        SpeculationOptions?[] methods =
        [
            null,
            new() { Method = SpeculationMethod.Lookup, DraftMax = 6 },
            new() { Method = SpeculationMethod.Recycle, DraftMax = 16, RecycleDepth = 4 },
            new() { DraftModel = draft, DraftMax = 4 },
            new() { Method = SpeculationMethod.Recycle, DraftMax = 16, RecycleDepth = 4 },
        ];
        var solo = Prompts.Select(p => IdsOf(Collect(model.GenerateAsync(p, plain)))).ToArray();
        using var engine = new BatchEngine(model, new BatchEngineOptions { MaxSequences = 3, StepTokenBudget = 6, ContextLength = 256 });
        for (int round = 0; round < 2; round++) // the second round finds the recycling matrix warm
        {
            var streams = Prompts.Select((p, i) => engine.Submit(model.EncodePrompt(p), plain with { Speculation = methods[i] })).ToArray();
            var results = await Task.WhenAll(streams.Select(async s =>
            {
                var ids = new List<int>();
                GenerationChunk? last = null;
                await foreach (var (_, chunk) in s)
                {
                    if (chunk.TokenId >= 0) ids.Add(chunk.TokenId);
                    last = chunk;
                }
                return (Ids: ids.ToArray(), Last: last!);
            }));
            long accepted = 0;
            for (int i = 0; i < Prompts.Length; i++)
            {
                Assert.Equal(solo[i], results[i].Ids);
                Assert.Equal(48, results[i].Last.Usage!.GeneratedTokens);
                Assert.Equal(methods[i] is null, results[i].Last.Usage!.Speculation is null);
                accepted += results[i].Last.Usage!.Speculation?.Accepted ?? 0;
            }
            Assert.True(accepted > 10, $"only {accepted} drafts accepted");
        }
        BatchEngineTests.AssertIdle(engine);
    }
}
