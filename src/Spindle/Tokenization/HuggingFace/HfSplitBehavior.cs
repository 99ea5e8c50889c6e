namespace Spindle.Tokenization.HuggingFace;

/// <summary>What HF does with a delimiter match when splitting (SplitDelimiterBehavior).</summary>
internal enum HfSplitBehavior
{
    Removed,
    Isolated,
    MergedWithPrevious,
    MergedWithNext,
    Contiguous,
}

internal static class HfSplitter
{
    public static HfSplitBehavior ParseBehavior(string? name, HfSplitBehavior fallback) => name switch
    {
        null => fallback,
        "Removed" => HfSplitBehavior.Removed,
        "Isolated" => HfSplitBehavior.Isolated,
        "MergedWithPrevious" => HfSplitBehavior.MergedWithPrevious,
        "MergedWithNext" => HfSplitBehavior.MergedWithNext,
        "Contiguous" => HfSplitBehavior.Contiguous,
        _ => throw new NotSupportedException($"tokenizer.json: split behavior '{name}' is not supported"),
    };

    /// <summary>
    /// Splits <paramref name="piece"/> around <paramref name="matches"/> (sorted, non-overlapping) and appends the
    /// resulting non-empty parts to <paramref name="output"/>, following tokenizers' NormalizedString::split.
    /// </summary>
    public static void Split(string piece, List<(int Start, int Length)> matches, HfSplitBehavior behavior, bool invert,
        List<string> output)
    {
        if (matches.Count == 0 && !invert)
        {
            if (piece.Length > 0) output.Add(piece);
            return;
        }
        // Segments covering the piece: (start, end, isMatch).
        var segments = new List<(int Start, int End, bool IsMatch)>(matches.Count * 2 + 1);
        int previous = 0;
        foreach (var (start, length) in matches)
        {
            if (start > previous) segments.Add((previous, start, invert));
            segments.Add((start, start + length, !invert));
            previous = start + length;
        }
        if (previous < piece.Length) segments.Add((previous, piece.Length, invert));

        var parts = new List<(int Start, int End)>(segments.Count);
        bool previousMatch = false;
        switch (behavior)
        {
            case HfSplitBehavior.Removed:
                foreach (var s in segments) if (!s.IsMatch) parts.Add((s.Start, s.End));
                break;
            case HfSplitBehavior.Isolated:
                foreach (var s in segments) parts.Add((s.Start, s.End));
                break;
            case HfSplitBehavior.MergedWithPrevious:
                foreach (var s in segments)
                {
                    if (s.IsMatch && !previousMatch && parts.Count > 0) parts[^1] = (parts[^1].Start, s.End);
                    else parts.Add((s.Start, s.End));
                    previousMatch = s.IsMatch;
                }
                break;
            case HfSplitBehavior.MergedWithNext:
                for (int i = segments.Count - 1; i >= 0; i--)
                {
                    var s = segments[i];
                    if (s.IsMatch && !previousMatch && parts.Count > 0) parts[^1] = (s.Start, parts[^1].End);
                    else parts.Add((s.Start, s.End));
                    previousMatch = s.IsMatch;
                }
                parts.Reverse();
                break;
            case HfSplitBehavior.Contiguous:
                foreach (var s in segments)
                {
                    if (s.IsMatch == previousMatch && parts.Count > 0) parts[^1] = (parts[^1].Start, s.End);
                    else parts.Add((s.Start, s.End));
                    previousMatch = s.IsMatch;
                }
                break;
        }
        foreach (var (start, end) in parts)
        {
            if (end > start) output.Add(start == 0 && end == piece.Length ? piece : piece[start..end]);
        }
    }
}
