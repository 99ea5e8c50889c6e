namespace Spindle.Tensors.Ops;

/// <summary>The k highest entries of a row, for the small k of beams, contrastive candidates and top logprobs.</summary>
public static class TopK
{
    /// <summary>
    /// Writes the ids of the <c>ids.Length</c> largest values to <paramref name="ids"/>, largest first, ties to the lowest
    /// id (as the greedy sampler), so ids[0] is the greedy choice. Insertion into a sorted run:
    /// O(n·k), fine for the k ≤ a few dozen that beams and contrastive candidates use. Returns how many were written
    /// (fewer when the row is shorter than k).
    /// </summary>
    public static int Select(ReadOnlySpan<float> values, Span<int> ids)
    {
        int k = Math.Min(ids.Length, values.Length);
        if (k == 0) return 0;
        int count = 0;
        for (int id = 0; id < values.Length; id++)
        {
            float v = values[id];
            if (float.IsNaN(v)) continue;
            // Scanning ids in increasing order, a tie never displaces an earlier id: strict comparison keeps lowest-id-first.
            if (count == k && !(v > values[ids[k - 1]])) continue;
            int i = count < k ? count++ : k - 1;
            while (i > 0 && v > values[ids[i - 1]])
            {
                ids[i] = ids[i - 1];
                i--;
            }
            ids[i] = id;
        }
        return count;
    }
}
