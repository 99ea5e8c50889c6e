using Spindle.Constraints.Parsing;
using Spindle.Constraints.Vocabulary;

namespace Spindle.Sampling.Aligned;

/// <summary>
/// What grammar-aligned sampling (ASAp, "Grammar-Aligned Decoding", Park et al. 2024) has learned so far for one
/// grammar, one vocabulary and one prompt: the trie of sampled prefixes with their expected-future-grammaticality
/// estimates. Pass the same state to every sample (e.g. every <c>GenerateAsync</c> call) so later samples use what
/// earlier ones learned; their distribution then converges to the LM's distribution conditioned on the grammar.
/// </summary>
/// <remarks>
/// The estimates depend on the next-token distributions, so the model and the sampling stages before the mask
/// (penalties, logit bias) must stay the same too; that is not checked. Not thread-safe: one sample at a time.
/// </remarks>
public sealed class AsapState
{
    private readonly ExpectedFutureTrie _trie;
    private CompiledGrammar? _grammar;
    private TokenTrie? _tokens;
    private ulong _context;

    public AsapState(AsapOptions? options = null)
    {
        Options = options ?? new AsapOptions();
        _trie = new ExpectedFutureTrie(Options.MaxNodes);
    }

    public AsapOptions Options { get; }

    /// <summary>Prefixes remembered (the root, the empty output, included).</summary>
    public int NodeCount => _trie.NodeCount;

    /// <summary>Whether <see cref="AsapOptions.MaxNodes"/> is reached (learning then stops deepening).</summary>
    public bool IsFull => _trie.IsFull;

    /// <summary>
    /// The current estimate of the probability that the LM's output is in the grammar (an upper bound that falls to the
    /// exact value as samples accumulate); 1 before the first sample.
    /// </summary>
    public double GrammarProbabilityBound => _trie.Estimate(ExpectedFutureTrie.Root);

    /// <summary>Forgets everything learned, and the grammar and prompt it was learned for.</summary>
    public void Clear()
    {
        _trie.Clear();
        _grammar = null;
        _tokens = null;
    }

    /// <summary>
    /// The estimate Ẽ(w) of the expected future grammaticality after the output tokens <paramref name="prefix"/>, or
    /// null when that prefix has not been sampled (or not yet expanded).
    /// </summary>
    public double? EstimateOf(ReadOnlySpan<int> prefix)
    {
        int node = ExpectedFutureTrie.Root;
        foreach (int token in prefix)
        {
            node = _trie.Child(node, token);
            if (node < 0) return null;
        }
        return _trie.IsExpanded(node) ? _trie.Estimate(node) : null;
    }

    internal ExpectedFutureTrie Trie => _trie;

    /// <summary>Ties the state to its first grammar, vocabulary and prompt; a later mismatch is a caller error.</summary>
    internal void Bind(CompiledGrammar grammar, TokenTrie tokens, ulong contextHash)
    {
        if (_grammar is null)
        {
            _grammar = grammar;
            _tokens = tokens;
            _context = contextHash;
            return;
        }
        if (!ReferenceEquals(_grammar, grammar) || !ReferenceEquals(_tokens, tokens))
            throw new InvalidOperationException("this AsapState learned another grammar or vocabulary; use a new state (or Clear it) for each constraint");
        if (_context != contextHash)
            throw new InvalidOperationException("this AsapState learned the distribution after another prompt; use a new state (or Clear it) for each prompt");
    }
}
