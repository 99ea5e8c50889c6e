using Spindle.Generation;
using Spindle.Sampling;
using static Spindle.Tests.Generation.GenerationTestModels;

namespace Spindle.Tests.Generation;

/// <summary>
/// Concurrent <see cref="SpindleModel.GenerateAsync(string, GenerationOptions?, CancellationToken)"/> calls on one model
/// take turns on its one session: each gets exactly what it gets alone, however their enumerations interleave.
/// </summary>
public sealed class ConcurrentGenerationTests
{
    [Fact]
    public async Task InterleavedRequestsEachGetTheirSoloOutput()
    {
        using var model = Load(Stories260K, threads: 2);
        string[] prompts = ["Once upon a time", "The little dog", "Lily and Tom went", "One day, a bird"];
        var options = new GenerationOptions { MaxTokens = 24, Sampling = SamplingOptions.Greedy };
        var solo = new int[prompts.Length][];
        for (int i = 0; i < prompts.Length; i++) solo[i] = IdsOf(Collect(model.GenerateAsync(prompts[i], options)));

        for (int round = 0; round < 3; round++)
        {
            var tasks = new Task<List<int>>[prompts.Length];
            for (int i = 0; i < prompts.Length; i++)
            {
                string prompt = prompts[i];
                tasks[i] = Task.Run(async () =>
                {
                    var ids = new List<int>();
                    await foreach (var chunk in model.GenerateAsync(prompt, options))
                    {
                        if (chunk.TokenId >= 0) ids.Add(chunk.TokenId);
                        await Task.Yield();
                    }
                    return ids;
                });
            }
            var results = await Task.WhenAll(tasks);
            for (int i = 0; i < prompts.Length; i++) Assert.Equal(solo[i], results[i].ToArray());
        }
    }
}
