namespace Spindle.Sampling;

/// <summary>What both Mirostat pickers do to expose their draw: keep the top candidates, renormalize, remember the mass.</summary>
internal static class MirostatShaping
{
    /// <summary>Keeps the first <paramref name="keep"/> (sorted, softmaxed) candidates renormalized; returns their mass before.</summary>
    public static float Shape(CandidateSet candidates, int keep)
    {
        var items = candidates.Items;
        float mass = 0;
        for (int i = 0; i < keep; i++) mass += items[i].Probability;
        candidates.Truncate(keep);
        candidates.Renormalize();
        return mass;
    }

    /// <summary>The probability <paramref name="token"/> had before <see cref="Shape"/> renormalized it.</summary>
    public static float OriginalProbability(CandidateSet shaped, int token, float mass)
    {
        foreach (ref var c in shaped.Items)
            if (c.Id == token) return c.Probability * mass;
        throw new ArgumentException($"token {token} is not among the shaped candidates", nameof(token));
    }
}
