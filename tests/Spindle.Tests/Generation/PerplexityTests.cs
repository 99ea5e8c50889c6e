using System.Text;
using Spindle.Generation;
using Spindle.Models;
using Spindle.Sampling;
using static Spindle.Tests.Generation.GenerationTestModels;

namespace Spindle.Tests.Generation;

public sealed class PerplexityTests(ITestOutputHelper output)
{
    private static string Story => SharedData.PathOf("text", "story.txt");

    /// <summary>llama-perplexity -c 128 -b 128 on shared/text/story.txt (shared/README.md).</summary>
    [Theory]
    [InlineData("stories260K/stories260K.f32.gguf", 5.2482)]
    [InlineData("stories260K/stories260K.q8_0.gguf", 5.2469)]
    [InlineData("tinystories-656K/tinystories-656K.f16.gguf", 126.95)]
    [InlineData("tinystories-656K/tinystories-656K.q8_0.gguf", 127.24)]
    public void StoryPerplexityIsWithinOnePercentOfLlamaCpp(string file, double expected)
    {
        using var model = Load(SharedData.PathOf(["models", .. file.Split('/')]));
        int[] tokens = model.Tokenizer.Encode(File.ReadAllText(Story), addSpecial: true);
        var result = PerplexityEvaluator.Evaluate(model.Model, tokens, 128, model.Vocabulary.BosId);
        output.WriteLine($"{file}: {result.Perplexity:F4} (llama.cpp {expected})");
        Assert.InRange(result.Perplexity, expected * 0.99, expected * 1.01);
    }

    /// <summary>
    /// Internal consistency: two 128-token chunks generated from BOS with plain sampling (temperature 1, no truncation),
    /// scored by the perplexity evaluator (batched forward passes), give the perplexity the generation's own per-token
    /// logprobs (one-token decode steps) imply over the same scored positions.
    /// </summary>
    [Fact]
    public void PerplexityOfGeneratedTextMatchesTheGenerationsOwnLogprobs()
    {
        const int ctx = 128;
        using var model = Load(TinyStoriesF16);
        var plain = new SamplingOptions { Temperature = 1f, TopK = 0, TopP = 1f, MinP = 0f };
        var tokens = new List<int>();
        double nll = 0;
        int scored = 0;
        int bos = model.Vocabulary.BosId;
        for (ulong seed = 1; tokens.Count < 2 * ctx; seed++)
        {
            // No end-of-generation stop: bias EOS away so every chunk is exactly ctx tokens.
            var options = new GenerationOptions
            {
                MaxTokens = ctx - 1, Seed = seed,
                Sampling = plain with { LogitBias = new Dictionary<int, float> { [model.Vocabulary.EosId] = float.NegativeInfinity } },
            };
            var chunks = Collect(model.GenerateAsync((IReadOnlyList<int>)[bos], options));
            Assert.Equal(ctx - 1, IdsOf(chunks).Length);
            tokens.Add(bos);
            for (int i = 0; i < chunks.Count; i++)
            {
                tokens.Add(chunks[i].TokenId);
                // chunks[i] is the token at position i + 1, predicted from positions 0..i: scored when i ≥ ctx/2.
                if (i >= ctx / 2) { nll -= chunks[i].Logprob; scored++; }
            }
        }
        double implied = Math.Exp(nll / scored);
        var result = PerplexityEvaluator.Evaluate(model.Model, tokens.ToArray(), ctx, bos);
        output.WriteLine($"evaluator {result.Perplexity:F4}, generation logprobs {implied:F4}, {scored} tokens");
        Assert.Equal(scored, result.ScoredTokens);
        Assert.InRange(result.Perplexity, implied * 0.99, implied * 1.01);

        // The same text through the CLI (re-tokenized from text, as a user would run it) matches an independent
        // one-token-at-a-time evaluation of the re-tokenized text.
        string text = model.Tokenizer.Decode(tokens.ToArray(), removeSpecial: false).Replace("<|start_story|>", "");
        string path = Path.Combine(Path.GetTempPath(), $"spindle-ppl-{Guid.NewGuid():N}.txt");
        File.WriteAllText(path, text, Encoding.UTF8);
        try
        {
            var cli = Cli.CliRunner.Run("perplexity", "-m", TinyStoriesF16, "-f", path, "-c", "64", "-t", "1");
            Assert.True(cli.ExitCode == 0, cli.Error);
            string last = cli.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries)[^1];
            double cliPpl = double.Parse(last.Split("PPL = ")[1], System.Globalization.CultureInfo.InvariantCulture);
            double reference = IncrementalPerplexity(model, model.Tokenizer.Encode(text, addSpecial: true), 64);
            output.WriteLine($"spindle perplexity -c 64 on the generated text: {cliPpl:F4}; incremental reference {reference:F4}");
            Assert.InRange(cliPpl, reference * 0.99, reference * 1.01);
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>The same definition computed another way: one token per forward pass, log-softmax in double.</summary>
    private static double IncrementalPerplexity(SpindleModel model, int[] tokens, int ctx)
    {
        var session = new InferenceSession(model.Model, contextLength: ctx);
        double nll = 0;
        int count = 0;
        for (int c = 0; c < tokens.Length / ctx; c++)
        {
            session.Reset();
            for (int j = 0; j < ctx - 1; j++)
            {
                var logits = session.Decode(j == 0 ? model.Vocabulary.BosId : tokens[c * ctx + j]);
                if (j < ctx / 2) continue;
                double max = double.NegativeInfinity, sum = 0;
                foreach (float x in logits) max = Math.Max(max, x);
                foreach (float x in logits) sum += Math.Exp(x - max);
                nll -= logits[tokens[c * ctx + j + 1]] - max - Math.Log(sum);
                count++;
            }
        }
        return Math.Exp(nll / count);
    }
}
