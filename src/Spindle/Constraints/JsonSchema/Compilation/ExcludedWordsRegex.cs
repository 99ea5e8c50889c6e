using Spindle.Constraints.Lexing;

namespace Spindle.Constraints.JsonSchema.Compilation;

/// <summary>
/// A regex (over decoded characters) for every string except a given set of words: a walk of the words' trie where,
/// at each node, the string may stop (unless a word ends there), leave the trie on a character no word continues with
/// (then anything follows), or go on into a child. Linear in the total length of the words. Extra object keys use it
/// so an extra key can never be a declared property name (whose value has its own schema).
/// </summary>
public static class ExcludedWordsRegex
{
    private sealed class Node
    {
        public readonly SortedDictionary<int, Node> Children = [];
        public bool IsWord;
    }

    public static RegexNode Create(IEnumerable<string> words)
    {
        var root = new Node();
        foreach (string word in words)
        {
            var node = root;
            foreach (var rune in word.EnumerateRunes())
            {
                if (!node.Children.TryGetValue(rune.Value, out var child)) node.Children[rune.Value] = child = new Node();
                node = child;
            }
            node.IsWord = true;
        }
        // Strings that leave the trie (then anything follows: one shared ".*") or stop inside it short of a word.
        var anything = RegexNode.Repeat(new RegexCharSet(CodePointSet.All), 0, -1);
        var leaving = Leaving(root);
        var stopping = Stopping(root);
        var parts = new List<RegexNode>();
        if (leaving is not null) parts.Add(RegexNode.Concat([leaving, anything]));
        if (stopping is not null) parts.Add(stopping);
        return RegexNode.Alternate(parts);
    }

    /// <summary>Paths from <paramref name="node"/> that end with a character no word continues with.</summary>
    private static RegexNode? Leaving(Node node)
    {
        var alternatives = new List<RegexNode>();
        var others = CodePointSet.FromRanges(node.Children.Keys.Select(c => (c, c))).Negate();
        if (!others.IsEmpty) alternatives.Add(new RegexCharSet(others));
        foreach (var (c, child) in node.Children)
            if (Leaving(child) is { } below) alternatives.Add(RegexNode.Concat([new RegexCharSet(CodePointSet.Single(c)), below]));
        return alternatives.Count == 0 ? null : RegexNode.Alternate(alternatives);
    }

    /// <summary>Paths from <paramref name="node"/> that stop at a node where no word ends.</summary>
    private static RegexNode? Stopping(Node node)
    {
        var alternatives = new List<RegexNode>();
        if (!node.IsWord) alternatives.Add(RegexNode.Empty);
        foreach (var (c, child) in node.Children)
            if (Stopping(child) is { } below) alternatives.Add(RegexNode.Concat([new RegexCharSet(CodePointSet.Single(c)), below]));
        return alternatives.Count == 0 ? null : RegexNode.Alternate(alternatives);
    }
}
