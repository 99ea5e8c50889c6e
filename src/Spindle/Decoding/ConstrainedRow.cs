using System.Numerics;
using Spindle.Constraints;
using Spindle.Constraints.Vocabulary;
using Spindle.Sampling;

namespace Spindle.Decoding;

/// <summary>
/// Applies a constraint to one logits row for the search strategies: every token the matcher does not allow becomes −∞,
/// in place. The mask checks are <see cref="ConstraintStageChecks"/>'s, shared with the sampling path.
/// </summary>
internal static class ConstrainedRow
{
    /// <summary>
    /// Masks <paramref name="row"/> for <paramref name="matcher"/>'s state, using <paramref name="mask"/> as the buffer.
    /// Returns false, leaving the row untouched, when the matcher allows no token at all (a dead end). Ids past the
    /// constraint vocabulary (model rows can be wider than the tokenizer's vocabulary) are never allowed.
    /// </summary>
    public static bool TryMask(Matcher matcher, TokenMask mask, Span<float> row)
    {
        if (!ConstraintStageChecks.TryComputeNonEmptyMask(matcher, mask)) return false;
        ReadOnlySpan<ulong> words = mask.Words;
        int covered = Math.Min(mask.TokenCount, row.Length);
        for (int w = 0; w << 6 < covered; w++)
        {
            // Visits the disallowed bits only, 64 tokens per word, instead of testing every id.
            ulong blocked = ~words[w];
            int baseId = w << 6;
            if (covered - baseId < 64) blocked &= (1UL << (covered - baseId)) - 1;
            for (; blocked != 0; blocked &= blocked - 1)
                row[baseId + BitOperations.TrailingZeroCount(blocked)] = float.NegativeInfinity;
        }
        if (covered < row.Length) row.Slice(covered).Fill(float.NegativeInfinity);
        return true;
    }
}
