using Spindle.Caching;
using Spindle.Models;

namespace Spindle.Tests;

/// <summary>One-sequence forward passes for tests: builds the <see cref="ForwardBatch"/> the model takes.</summary>
internal static class ForwardHelpers
{
    /// <summary>Appends <paramref name="tokens"/> at <paramref name="positions"/> to <paramref name="cache"/>; logits of every row or only the last.</summary>
    public static void Forward(this Model model, ReadOnlySpan<int> tokens, ReadOnlySpan<int> positions, KvCache cache,
        Span<float> logits, bool allLogits = false, Span<float> hiddenStates = default)
    {
        var batch = new ForwardBatch(tokens.Length);
        for (int i = 0; i < tokens.Length; i++) batch.Add(tokens[i], positions[i], 0, allLogits || i == tokens.Length - 1);
        model.Forward(batch, cache, logits, hiddenStates);
    }

    /// <summary>A batch over several sequences: token t goes to <c>caches[sequences[t]]</c>; logits of the flagged tokens in order.</summary>
    public static void Forward(this Model model, ReadOnlySpan<int> tokens, ReadOnlySpan<int> positions, ReadOnlySpan<int> sequences,
        KvCache[] caches, ReadOnlySpan<bool> outputs, Span<float> logits)
    {
        var batch = new ForwardBatch(tokens.Length);
        for (int i = 0; i < tokens.Length; i++) batch.Add(tokens[i], positions[i], sequences[i], outputs[i]);
        model.Forward(batch, caches, logits);
    }

    /// <summary>One sequence under a tree mask, logits of every token.</summary>
    public static void ForwardTree(this Model model, ReadOnlySpan<int> tokens, ReadOnlySpan<int> positions, KvCache cache,
        AttentionMask mask, Span<float> logits)
    {
        var batch = new ForwardBatch(tokens.Length);
        for (int i = 0; i < tokens.Length; i++) batch.Add(tokens[i], positions[i], 0, output: true);
        batch.Mask = mask;
        model.Forward(batch, cache, logits);
    }
}
