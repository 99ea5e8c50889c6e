using Spindle.Constraints;
using Spindle.Constraints.Parsing;
using Spindle.Constraints.Vocabulary;

namespace Spindle.Tests.Generation;

/// <summary>
/// Shows that a grammar can be spelled to the end with one vocabulary: a bounded depth-first search over masks for a
/// token sequence after which end-of-generation is allowed. A found path proves the grammar spellable; not finding
/// one within the bounds proves nothing, so callers use it only to pick grammars, never to reject one as unspellable.
/// </summary>
/// <remarks>
/// Tokens are tried longest first (fewest steps through counted strings and digit runs), and at every state each
/// allowed token is first checked for ending the value at once (cheap: no mask), so closing quotes are found before
/// the search goes deeper. Whitespace-only tokens are skipped: they never bring a value nearer its end, and the leading
/// and trailing whitespace the generation grammars allow would otherwise fill the depth budget.
/// </remarks>
internal sealed class VocabularySpellingSearch
{
    private readonly TokenTrie _trie;
    private readonly int[] _order;
    private readonly TokenMask[] _masks;
    private readonly int _maxDepth;
    private readonly int _branching;
    private int _budget;

    /// <param name="maxDepth">Longest token path tried.</param>
    /// <param name="branching">Most tokens tried deeper from one state.</param>
    public VocabularySpellingSearch(TokenTrie trie, int maxDepth = 48, int branching = 12)
    {
        _trie = trie;
        _maxDepth = maxDepth;
        _branching = branching;
        var vocabulary = trie.Vocabulary;
        var ids = new List<int>();
        for (int id = 0; id < vocabulary.TokenCount; id++)
        {
            var bytes = vocabulary.TokenBytes(id);
            if (vocabulary.IsSpecial(id) || bytes.IsEmpty || IsWhitespace(bytes)) continue;
            ids.Add(id);
        }
        // Longest first; ties by id so the search is deterministic.
        ids.Sort((a, b) => vocabulary.TokenBytes(b).Length != vocabulary.TokenBytes(a).Length
            ? vocabulary.TokenBytes(b).Length - vocabulary.TokenBytes(a).Length
            : a - b);
        _order = [.. ids];
        _masks = new TokenMask[maxDepth + 1];
        for (int i = 0; i <= maxDepth; i++) _masks[i] = new TokenMask(vocabulary.TokenCount);
    }

    /// <summary>
    /// Token ids after which <paramref name="grammar"/> accepts (end-of-generation allowed), or null when none was found
    /// within <paramref name="maskBudget"/> mask computations.
    /// </summary>
    public int[]? FindSpelling(CompiledGrammar grammar, int maskBudget = 4000)
    {
        var matcher = new Matcher(grammar, _trie);
        var path = new List<int>();
        _budget = maskBudget;
        return Search(matcher, 0, path) ? [.. path] : null;
    }

    private bool Search(Matcher matcher, int depth, List<int> path)
    {
        if (_budget-- <= 0) return false;
        var mask = _masks[depth];
        matcher.ComputeMask(mask);
        foreach (int eog in _trie.Vocabulary.EndOfGenerationIds) if (mask[eog]) return true;
        if (depth == _maxDepth) return false;

        // One token that ends the value beats any deeper search.
        foreach (int id in _order)
        {
            if (!mask[id] || !matcher.TryAccept(id)) continue;
            if (matcher.IsAccepting)
            {
                path.Add(id);
                return true;
            }
            matcher.Rollback(1);
        }
        int tried = 0;
        foreach (int id in _order)
        {
            if (tried == _branching || _budget <= 0) break;
            if (!mask[id] || !matcher.TryAccept(id)) continue;
            tried++;
            path.Add(id);
            if (Search(matcher, depth + 1, path)) return true;
            path.RemoveAt(path.Count - 1);
            matcher.Rollback(1);
        }
        return false;
    }

    private static bool IsWhitespace(ReadOnlySpan<byte> bytes)
    {
        foreach (byte b in bytes) if (b is not ((byte)' ' or (byte)'\t' or (byte)'\n' or (byte)'\r')) return false;
        return true;
    }
}
