using System.Diagnostics.CodeAnalysis;
using Spindle.Constraints;
using Spindle.Constraints.Vocabulary;

namespace Spindle.Sampling;

/// <summary>The checks and errors shared by the stages that apply a constraint's token mask.</summary>
internal static class ConstraintStageChecks
{
    /// <summary>Fills <paramref name="mask"/> for the matcher's state; throws when no token is allowed at all.</summary>
    public static ReadOnlySpan<ulong> ComputeNonEmptyMask(Matcher matcher, TokenMask mask)
    {
        if (!TryComputeNonEmptyMask(matcher, mask)) ThrowNothingAllowed(matcher);
        return mask.Words;
    }

    /// <summary>
    /// Fills <paramref name="mask"/> for the matcher's state; false when no token is allowed (a dead end), for callers
    /// such as beam search that drop one sequence rather than fail the whole generation.
    /// </summary>
    public static bool TryComputeNonEmptyMask(Matcher matcher, TokenMask mask)
    {
        matcher.ComputeMask(mask);
        foreach (ulong w in mask.Words) if (w != 0) return true;
        return false;
    }

    [DoesNotReturn]
    public static void ThrowNothingAllowed(Matcher matcher) => throw new ConstraintDeadEndException(matcher.IsFinished
        ? "the constraint is finished: its end-of-generation token was already accepted"
        : "the constraint allows no token here: no token of this vocabulary can continue the output (or end it); the vocabulary may lack a character the constraint needs next");

    [DoesNotReturn]
    public static void ThrowRejected(int token) => throw new InvalidOperationException(
        $"internal error: the constraint rejected token {token}, which was picked after its mask; a stage after the mask must not re-enable masked tokens");
}
