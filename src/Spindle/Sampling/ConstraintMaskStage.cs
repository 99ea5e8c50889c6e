using System.Diagnostics;
using System.Numerics;
using Spindle.Constraints;
using Spindle.Constraints.Vocabulary;

namespace Spindle.Sampling;

/// <summary>
/// Grammar-constrained decoding as a logits stage: each step the <see cref="Matcher"/> computes which tokens may come
/// next and every other candidate's logit becomes −∞ (as llama.cpp's grammar sampler does, so later stages see the same
/// distribution shape). End-of-generation tokens pass only when the output so far is complete; when the grammar is
/// complete and nothing can follow, they are all that passes, so any picker ends the sequence.
/// </summary>
/// <remarks>
/// <para>Prompt tokens are not grammar input. The chain is told of every prompt token through <see cref="Accept"/>
/// before the first <see cref="Apply"/>, so the stage only consumes a token that follows an Apply: the token just
/// picked from the masked candidates. Such a token must be accepted by the matcher; a refusal means a stage after the
/// mask resurrected a disallowed token (a bug), and is reported as an <see cref="InvalidOperationException"/>.</para>
/// <para>Forced tokens (<see cref="Matcher.ForcedTokens"/>) could skip the forward pass where the grammar leaves no
/// choice; that needs the generation loop to feed tokens without sampling and is not done here.</para>
/// </remarks>
public sealed class ConstraintMaskStage : ILogitsStage
{
    private readonly Matcher _matcher;
    private readonly TokenMask _mask;
    private bool _awaitingPick;

    public ConstraintMaskStage(Matcher matcher)
    {
        ArgumentNullException.ThrowIfNull(matcher);
        _matcher = matcher;
        _mask = new TokenMask(matcher.VocabularySize);
    }

    /// <summary>The grammar state (for inspection: <see cref="Matcher.IsAccepting"/>, <see cref="Matcher.IsFinished"/>).</summary>
    public Matcher Matcher => _matcher;

    public void Apply(CandidateSet candidates)
    {
        ReadOnlySpan<ulong> words = ConstraintStageChecks.ComputeNonEmptyMask(_matcher, _mask);
        _awaitingPick = true;

        var items = candidates.Items;
        int tokenCount = _mask.TokenCount;
        if (items.Length == tokenCount && !candidates.IsSorted && items[0].Id == 0 && items[^1].Id == tokenCount - 1)
        {
            // Still as Load left it (penalties, bias and DRY edit logits in place): candidate i is token i, so only the
            // disallowed bits are visited. The model's logit rows may be wider than the tokenizer's vocabulary;
            // the checks above rule that out for this path.
            Debug.Assert(InIdOrder(items));
            for (int w = 0; w < words.Length; w++)
            {
                ulong blocked = ~words[w];
                if (w == words.Length - 1 && (tokenCount & 63) != 0) blocked &= (1UL << (tokenCount & 63)) - 1;
                int baseId = w << 6;
                for (; blocked != 0; blocked &= blocked - 1)
                    items[baseId + BitOperations.TrailingZeroCount(blocked)].Logit = float.NegativeInfinity;
            }
        }
        else
        {
            for (int i = 0; i < items.Length; i++)
            {
                int id = items[i].Id;
                if ((uint)id >= (uint)tokenCount || (words[id >> 6] & (1UL << (id & 63))) == 0)
                    items[i].Logit = float.NegativeInfinity;
            }
        }
        candidates.MarkUnsorted();
    }

    public void Accept(int token)
    {
        if (!_awaitingPick) return; // a prompt token: context, not grammar input
        _awaitingPick = false;
        if (!_matcher.TryAccept(token)) ConstraintStageChecks.ThrowRejected(token);
    }

    public void Reset()
    {
        _matcher.Rollback(_matcher.AcceptedTokenCount);
        _awaitingPick = false;
    }

    public ILogitsStage Clone() => new ConstraintMaskStage(_matcher.Clone()) { _awaitingPick = _awaitingPick };

    private static bool InIdOrder(ReadOnlySpan<TokenCandidate> items)
    {
        for (int i = 0; i < items.Length; i++) if (items[i].Id != i) return false;
        return true;
    }
}
