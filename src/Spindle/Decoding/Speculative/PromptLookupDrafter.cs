namespace Spindle.Decoding.Speculative;

/// <summary>
/// Prompt lookup (n-gram) drafting: find the latest earlier occurrence of the context's last n tokens, for n from
/// <see cref="SpeculationOptions.LookupNgram"/> down to 1, and propose the tokens that followed it. Free to draft, and
/// right whenever the output copies its context (summaries, edits, code, quotes).
/// </summary>
public sealed class PromptLookupDrafter(int maxNgram) : IDrafter
{
    public void Draft(DraftContext context, DraftTree tree, int limit)
    {
        tree.Clear();
        var tokens = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(context.Tokens);
        int start = Find(tokens, maxNgram);
        if (start < 0) return;
        int count = Math.Min(limit, tokens.Length - start);
        for (int i = 0; i < count; i++) tree.Add(tokens[start + i], i - 1);
    }

    /// <summary>Where the continuation of the longest, latest match of the tail starts, or −1.</summary>
    internal static int Find(ReadOnlySpan<int> tokens, int maxNgram)
    {
        for (int n = Math.Min(maxNgram, tokens.Length - 1); n >= 1; n--)
        {
            var tail = tokens[^n..];
            // Latest occurrence that ends before the tail itself does.
            for (int i = tokens.Length - n - 1; i >= 0; i--)
            {
                if (tokens.Slice(i, n).SequenceEqual(tail)) return i + n;
            }
        }
        return -1;
    }

    public void Dispose() { }
}
