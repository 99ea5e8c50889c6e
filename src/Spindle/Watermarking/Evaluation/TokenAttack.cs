using Spindle.Sampling;

namespace Spindle.Watermarking.Evaluation;

/// <summary>An edit applied to a share of a token sequence's positions (<see cref="TokenAttacks.Apply"/>).</summary>
public enum TokenAttack
{
    /// <summary>Chosen tokens are replaced by random tokens (never by themselves).</summary>
    Substitution,

    /// <summary>Chosen tokens are removed.</summary>
    Deletion,

    /// <summary>Random tokens are inserted at random places.</summary>
    Insertion,
}

/// <summary>
/// Random edits of token ids, as the watermark papers use to measure robustness: with n tokens and rate r, exactly
/// k = round(r·n) positions are chosen uniformly without replacement (substitution, deletion) or k random tokens are
/// put at uniformly random places of the n + k output slots (insertion). Replacement and inserted tokens are drawn
/// uniformly from a pool (e.g. the vocabulary's ordinary tokens). The same seed gives the same edits.
/// </summary>
public static class TokenAttacks
{
    /// <summary>Round(rate · count), halves away from zero: how many tokens an attack at <paramref name="rate"/> edits.</summary>
    public static int EditCount(int count, double rate) => (int)Math.Round(rate * count, MidpointRounding.AwayFromZero);

    /// <param name="pool">Token ids a substitution or insertion draws from (unused by deletion; at least 2 ids for substitution).</param>
    /// <exception cref="ArgumentOutOfRangeException">the rate is outside [0, 1] or the pool is too small.</exception>
    public static int[] Apply(TokenAttack attack, ReadOnlySpan<int> tokens, double rate, ReadOnlySpan<int> pool, ulong seed)
    {
        if (!(rate >= 0 && rate <= 1)) throw new ArgumentOutOfRangeException(nameof(rate), rate, "must be in [0, 1]");
        int k = EditCount(tokens.Length, rate);
        var rng = new SamplerRng(seed);
        switch (attack)
        {
            case TokenAttack.Substitution:
            {
                if (k > 0 && pool.Length < 2) throw new ArgumentOutOfRangeException(nameof(pool), pool.Length, "substitution needs at least 2 ids to draw from");
                int[] output = tokens.ToArray();
                foreach (int i in ChoosePositions(tokens.Length, k, rng))
                {
                    int replacement;
                    do replacement = pool[Below(rng, pool.Length)];
                    while (replacement == output[i]);
                    output[i] = replacement;
                }
                return output;
            }
            case TokenAttack.Deletion:
            {
                var deleted = new bool[tokens.Length];
                foreach (int i in ChoosePositions(tokens.Length, k, rng)) deleted[i] = true;
                var output = new int[tokens.Length - k];
                int o = 0;
                for (int i = 0; i < tokens.Length; i++)
                    if (!deleted[i]) output[o++] = tokens[i];
                return output;
            }
            case TokenAttack.Insertion:
            {
                if (k > 0 && pool.Length < 1) throw new ArgumentOutOfRangeException(nameof(pool), pool.Length, "insertion needs ids to draw from");
                int length = tokens.Length + k;
                var inserted = new bool[length];
                foreach (int i in ChoosePositions(length, k, rng)) inserted[i] = true;
                var output = new int[length];
                int source = 0;
                for (int i = 0; i < length; i++)
                    output[i] = inserted[i] ? pool[Below(rng, pool.Length)] : tokens[source++];
                return output;
            }
            default:
                throw new ArgumentOutOfRangeException(nameof(attack), attack, "unknown attack");
        }
    }

    /// <summary>k distinct positions of [0, n), uniformly (a partial Fisher–Yates shuffle).</summary>
    internal static int[] ChoosePositions(int n, int k, SamplerRng rng)
    {
        var order = new int[n];
        for (int i = 0; i < n; i++) order[i] = i;
        for (int i = 0; i < k; i++)
        {
            int j = i + Below(rng, n - i);
            (order[i], order[j]) = (order[j], order[i]);
        }
        return order[..k];
    }

    /// <summary>Uniform in [0, n) (Lemire's multiply-shift; the bias is below 2⁻³² for n &lt; 2³¹).</summary>
    internal static int Below(SamplerRng rng, int n) => (int)(((rng.NextUInt64() >> 32) * (ulong)n) >> 32);
}
