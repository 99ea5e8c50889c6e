using System.Numerics.Tensors;
using Microsoft.Extensions.AI;
using Spindle.AI;
using Spindle.Caching;
using Spindle.Generation;
using Spindle.Models;
using Spindle.Tests.Chat.Tools;
using static Spindle.Tests.Generation.GenerationTestModels;

namespace Spindle.Tests.AI;

public sealed class SpindleEmbeddingGeneratorTests
{
    private const string Dog = "Once upon a time, there was a little dog named Max.";
    private const string Ball = "Lily saw a big red ball in the park.";

    [Fact]
    public async Task EmbeddingsAreUnitVectorsWithUsage()
    {
        using var model = Load(ToolCallProtocolTests.Stories260KQ8);
        IEmbeddingGenerator<string, Embedding<float>> generator = new SpindleEmbeddingGenerator(model, modelId: "stories");
        var result = await generator.GenerateAsync([Dog, Dog, Ball]);
        Assert.Equal(3, result.Count);
        int width = model.Model.Config.EmbeddingLength;
        foreach (var e in result)
        {
            Assert.Equal(width, e.Dimensions);
            Assert.Equal(1f, TensorPrimitives.Norm(e.Vector.Span), 1e-5f);
            Assert.Equal("stories", e.ModelId);
        }
        Assert.Equal(result[0].Vector.ToArray(), result[1].Vector.ToArray());
        float similarity = TensorPrimitives.CosineSimilarity(result[0].Vector.Span, result[2].Vector.Span);
        Assert.True(similarity < 0.9999f, $"different texts gave cosine {similarity}");
        long tokens = 2L * model.EncodePrompt(Dog).Length + model.EncodePrompt(Ball).Length;
        Assert.Equal(tokens, result.Usage!.InputTokenCount);
        Assert.Equal(tokens, result.Usage.TotalTokenCount);
        Assert.Equal(width, generator.GetService<EmbeddingGeneratorMetadata>()!.DefaultModelDimensions);
    }

    [Fact]
    public async Task DimensionsTruncateAndRenormalize()
    {
        using var model = Load(ToolCallProtocolTests.Stories260KQ8);
        var generator = new SpindleEmbeddingGenerator(model);
        float[] full = (await generator.GenerateVectorAsync(Dog)).ToArray();
        float[] cut = (await generator.GenerateVectorAsync(Dog, new EmbeddingGenerationOptions { Dimensions = 16 })).ToArray();
        Assert.Equal(16, cut.Length);
        Assert.Equal(1f, TensorPrimitives.Norm(cut), 1e-5f);
        float scale = TensorPrimitives.Norm(full.AsSpan(0, 16));
        for (int i = 0; i < 16; i++) Assert.Equal(full[i] / scale, cut[i], 1e-5f);
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => generator.GenerateAsync([Dog], new EmbeddingGenerationOptions { Dimensions = model.Model.Config.EmbeddingLength + 1 }));
    }

    /// <summary>The pooled vector equals the mean of Model.Forward's final hidden states, normalized, computed by hand.</summary>
    [Fact]
    public void EmbeddingIsTheNormalizedMeanOfTheFinalHiddenStates()
    {
        using var model = Load(ToolCallProtocolTests.Stories260KQ8);
        int[] tokens = model.EncodePrompt(Dog);
        int width = model.Model.Config.EmbeddingLength;
        var hidden = new float[tokens.Length * width];
        var batch = new ForwardBatch(tokens.Length);
        batch.AddSequence(tokens, 0, outputAll: true);
        using (var cache = model.Model.CreateCache(capacity: tokens.Length))
            model.Model.Forward(batch, cache, default, hidden);
        var mean = new float[width];
        for (int t = 0; t < tokens.Length; t++) TensorPrimitives.Add(mean, hidden.AsSpan(t * width, width), mean);
        TensorPrimitives.Divide(mean, tokens.Length, mean);
        TensorPrimitives.Divide(mean, TensorPrimitives.Norm(mean), mean);

        float[] embedding = TextEmbedder.Embed(model, tokens);
        for (int i = 0; i < width; i++) Assert.Equal(mean[i], embedding[i], 1e-5f);
    }

    /// <summary>
    /// An input longer than one micro-batch pools across them, and the session's cache is left alone; an input longer
    /// than the context is a ContextExceededException.
    /// </summary>
    [Fact]
    public void LongInputsPoolAcrossMicroBatchesAndTooLongOnesThrow()
    {
        using var model = Load(ToolCallProtocolTests.Stories260KQ8, context: 300);
        int[] tokens = [.. Enumerable.Range(0, 300).Select(i => model.EncodePrompt(Dog)[i % 10 + 1])];
        Assert.True(tokens.Length > model.Model.MicroBatchSize);
        float[] embedding = TextEmbedder.Embed(model, tokens);
        Assert.Equal(1f, TensorPrimitives.Norm(embedding), 1e-5f);
        Assert.Equal(0, model.Session.TokenCount);
        var e = Assert.Throws<ContextExceededException>(() => TextEmbedder.Embed(model, [.. tokens, 1]));
        Assert.Contains("301 tokens", e.Message);
        Assert.Throws<ArgumentException>(() => TextEmbedder.Embed(model, []));
    }
}
