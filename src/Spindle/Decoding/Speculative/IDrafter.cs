namespace Spindle.Decoding.Speculative;

/// <summary>Proposes draft tokens for a round of speculative decoding and learns from what the target computed.</summary>
public interface IDrafter : IDisposable
{
    /// <summary>Fills <paramref name="tree"/> (cleared) with at most <paramref name="limit"/> nodes after <c>context.Tokens[^1]</c>.</summary>
    void Draft(DraftContext context, DraftTree tree, int limit);

    /// <summary>
    /// The target's logits for the round's batch: row 0 follows the root (<c>context.Tokens[^1]</c>), row 1 + i follows node i of the tree. Called
    /// after every verification pass, before the verdict (drafters that learn from the target's predictions use it).
    /// </summary>
    void Observe(DraftContext context, DraftTree tree, ReadOnlySpan<float> rows, int vocabularySize) { }
}
