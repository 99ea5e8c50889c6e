namespace Spindle.Decoding.Speculative;

/// <summary>
/// Prompt lookup (n-gram) drafting: the draft continues the context the way it continued before. For each draft token
/// the longest tail of the sequence (n from <see cref="SpeculationOptions.LookupNgram"/> down to 1, drafted tokens
/// included) that occurred earlier votes: every earlier occurrence names the token that followed it, and the most
/// frequent one is drafted. Its share of the votes is the draft's confidence; with
/// <see cref="SpeculationOptions.DraftPMin"/> the chain stops before a token whose share is below it (a single
/// 1-gram occurrence counts half: one earlier word is weak evidence). Free to draft, and right whenever the output
/// copies or repeats its context (summaries, edits, code, quotes, formulaic text).
/// </summary>
public sealed class PromptLookupDrafter : IDrafter
{
    private readonly int _maxNgram;
    private readonly int _draftMin;
    private readonly float _pMin;
    private int[] _buffer = new int[256];
    private readonly List<(int Token, int Count)> _votes = [];

    public PromptLookupDrafter(SpeculationOptions options)
    {
        _maxNgram = options.LookupNgram;
        _draftMin = options.DraftMin;
        _pMin = options.DraftPMin;
    }

    public void Draft(DraftContext context, DraftTree tree, int limit)
    {
        tree.Clear();
        var tokens = context.Tokens;
        int length = tokens.Count;
        if (_buffer.Length < length + limit) _buffer = new int[Math.Max(length + limit, _buffer.Length * 2)];
        tokens.CopyTo(_buffer);
        for (int d = 0; d < limit; d++)
        {
            int token = Vote(_buffer.AsSpan(0, length), out float confidence);
            if (token < 0) break;
            if (_pMin > 0 && d >= _draftMin && confidence < _pMin) break;
            tree.Add(token, d - 1);
            _buffer[length++] = token;
        }
    }

    /// <summary>The most frequent follower of the longest earlier-seen tail, or −1; <paramref name="confidence"/> is its vote share.</summary>
    internal int Vote(ReadOnlySpan<int> tokens, out float confidence)
    {
        confidence = 0;
        for (int n = Math.Min(_maxNgram, tokens.Length - 1); n >= 1; n--)
        {
            var tail = tokens[^n..];
            _votes.Clear();
            int total = 0;
            for (int i = tokens.Length - n - 1; i >= 0; i--)
            {
                if (tokens[i] != tail[0] || !tokens.Slice(i, n).SequenceEqual(tail)) continue;
                int follower = tokens[i + n];
                total++;
                int k = 0;
                while (k < _votes.Count && _votes[k].Token != follower) k++;
                if (k == _votes.Count) _votes.Add((follower, 1));
                else _votes[k] = (follower, _votes[k].Count + 1);
            }
            if (total == 0) continue;
            var best = _votes[0]; // the latest occurrence wins ties
            foreach (var v in _votes) if (v.Count > best.Count) best = v;
            confidence = (float)best.Count / total * (n == 1 && total == 1 ? 0.5f : 1f);
            return best.Token;
        }
        return -1;
    }

    public void Dispose() { }
}
