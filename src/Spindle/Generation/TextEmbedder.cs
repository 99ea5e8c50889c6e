using System.Numerics.Tensors;
using Spindle.Caching;
using Spindle.Models;

namespace Spindle.Generation;

/// <summary>
/// Sentence embeddings from a generative model: the mean of the final (normalized) hidden state over every token,
/// L2-normalized, as llama.cpp's mean pooling. Each input runs in a cache of its own, so it neither sees nor disturbs
/// <see cref="SpindleModel.Session"/>; the LM head is skipped.
/// </summary>
public static class TextEmbedder
{
    /// <summary>
    /// The embedding of <paramref name="tokens"/> (give them as <see cref="SpindleModel.EncodePrompt"/> makes them):
    /// <see cref="ModelConfig.EmbeddingLength"/> floats with unit norm, or the first <paramref name="dimensions"/> of
    /// them normalized again (OpenAI's <c>dimensions</c>: a shorter vector that is still a unit vector).
    /// </summary>
    /// <exception cref="ArgumentException">no tokens.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="dimensions"/> outside 1..EmbeddingLength.</exception>
    /// <exception cref="ContextExceededException">more tokens than <see cref="SpindleModel.ContextLength"/>.</exception>
    /// <exception cref="OperationCanceledException">cancelled; checked between micro-batches.</exception>
    public static float[] Embed(SpindleModel model, ReadOnlySpan<int> tokens, int? dimensions = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        var m = model.Model;
        int width = m.Config.EmbeddingLength;
        if (tokens.IsEmpty) throw new ArgumentException("an embedding needs at least one token", nameof(tokens));
        if (dimensions is int d && (d < 1 || d > width))
            throw new ArgumentOutOfRangeException(nameof(dimensions), d, $"must be within 1..{width}");
        if (tokens.Length > model.ContextLength)
            throw new ContextExceededException($"the input has {tokens.Length} tokens and the context holds {model.ContextLength}");
        cancellationToken.ThrowIfCancellationRequested();

        // One micro-batch at a time, so the hidden states of a long input never sit in memory together.
        int chunk = Math.Min(tokens.Length, m.MicroBatchSize);
        var hidden = new float[chunk * width];
        var sum = new double[width];
        var batch = new ForwardBatch(chunk);
        using var cache = m.CreateCache(model.Options.CacheType, capacity: tokens.Length);
        for (int start = 0; start < tokens.Length; start += chunk)
        {
            if (start > 0) cancellationToken.ThrowIfCancellationRequested();
            int n = Math.Min(chunk, tokens.Length - start);
            batch.Clear();
            batch.AddSequence(tokens.Slice(start, n), start, outputAll: true);
            m.Forward(batch, cache, logits: default, hidden.AsSpan(0, n * width), cancellationToken: cancellationToken);
            for (int t = 0; t < n; t++)
            {
                var row = hidden.AsSpan(t * width, width);
                for (int i = 0; i < width; i++) sum[i] += row[i];
            }
        }
        var vector = new float[dimensions ?? width];
        for (int i = 0; i < vector.Length; i++) vector[i] = (float)(sum[i] / tokens.Length);
        Normalize(vector);
        return vector;
    }

    /// <summary>Scales <paramref name="vector"/> to unit L2 norm (a zero vector stays zero).</summary>
    public static void Normalize(Span<float> vector)
    {
        float norm = TensorPrimitives.Norm(vector);
        if (norm > 0) TensorPrimitives.Divide(vector, norm, vector);
    }
}
