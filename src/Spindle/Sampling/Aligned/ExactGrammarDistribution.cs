using Spindle.Constraints;
using Spindle.Constraints.Parsing;
using Spindle.Constraints.Vocabulary;

namespace Spindle.Sampling.Aligned;

/// <summary>One complete output (ending with an end-of-generation id) and its LM probability.</summary>
/// <param name="StepProbabilities">P(t_i | t_&lt;i) of each token, so prefix probabilities can be read off.</param>
public sealed record WeightedSequence(int[] Tokens, double[] StepProbabilities, double Probability);

/// <summary>
/// The exact LM distribution conditioned on a finite grammar, by enumerating every token sequence the grammar allows:
/// the ground truth grammar-aligned sampling converges to. For tests and demonstrations on small grammars only.
/// </summary>
public sealed class ExactGrammarDistribution
{
    private ExactGrammarDistribution(List<WeightedSequence> sequences, double mass)
    {
        Sequences = sequences;
        GrammarProbability = mass;
    }

    /// <summary>Every grammatical token sequence with non-zero probability, ending with an end-of-generation id.</summary>
    public IReadOnlyList<WeightedSequence> Sequences { get; }

    /// <summary>P(output ∈ grammar) = EFG(empty prefix): the normalizer of the conditional distribution.</summary>
    public double GrammarProbability { get; }

    /// <summary>P(y | y ∈ grammar) of sequence <paramref name="index"/>.</summary>
    public double ConditionalProbability(int index) => Sequences[index].Probability / GrammarProbability;

    /// <summary>
    /// The exact expected future grammaticality EFG(w) = Σ_{y ∈ L extending w} P(y | w); 0 for a prefix no grammatical
    /// sequence extends.
    /// </summary>
    public double ExpectedFuture(ReadOnlySpan<int> prefix)
    {
        double sum = 0, prefixProbability = 0;
        foreach (var s in Sequences)
        {
            if (s.Tokens.Length <= prefix.Length || !s.Tokens.AsSpan(0, prefix.Length).SequenceEqual(prefix)) continue;
            sum += s.Probability;
            if (prefixProbability == 0)
            {
                prefixProbability = 1;
                for (int i = 0; i < prefix.Length; i++) prefixProbability *= s.StepProbabilities[i];
            }
        }
        return prefixProbability > 0 ? sum / prefixProbability : 0;
    }

    /// <summary>
    /// Enumerates the grammar depth-first with a <see cref="Matcher"/>. Throws <see cref="InvalidOperationException"/>
    /// when a sequence would exceed <paramref name="maxTokens"/> or there are more than <paramref name="maxSequences"/>:
    /// the grammar is then too large (or infinite) to enumerate.
    /// </summary>
    public static ExactGrammarDistribution Enumerate(ITokenDistribution model, CompiledGrammar grammar, TokenTrie tokens,
        int maxTokens = 32, int maxSequences = 100_000, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(grammar);
        ArgumentNullException.ThrowIfNull(tokens);
        var walk = new Walk(model, new Matcher(grammar, tokens), maxTokens, maxSequences, cancellationToken);
        walk.Visit();
        double mass = 0;
        foreach (var s in walk.Results) mass += s.Probability;
        if (mass <= 0) throw new InvalidOperationException("the model gives every sequence of the grammar probability 0");
        return new ExactGrammarDistribution(walk.Results, mass);
    }

    private sealed class Walk(ITokenDistribution model, Matcher matcher,
        int maxTokens, int maxSequences, CancellationToken cancellationToken)
    {
        private readonly TokenMask _mask = new(matcher.VocabularySize);
        private readonly List<int> _prefix = [];
        private readonly List<double> _steps = [];

        public List<WeightedSequence> Results { get; } = [];

        public void Visit()
        {
            cancellationToken.ThrowIfCancellationRequested();
            var logits = new float[model.VocabularySize];
            model.GetLogits(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_prefix), logits);
            double max = double.NegativeInfinity;
            foreach (float l in logits) if (l > max) max = l;
            double total = 0;
            foreach (float l in logits) total += Math.Exp(l - max);
            matcher.ComputeMask(_mask);
            var allowed = new List<int>();
            for (int id = 0; id < _mask.TokenCount; id++) if (_mask.IsSet(id)) allowed.Add(id);
            foreach (int id in allowed)
            {
                double p = Math.Exp(logits[id] - max) / total;
                if (p == 0) continue;
                if (!matcher.TryAccept(id)) throw new InvalidOperationException($"internal error: the mask allowed token {id} but the matcher refused it");
                _prefix.Add(id);
                _steps.Add(p);
                if (matcher.IsFinished) Record();
                else if (_prefix.Count >= maxTokens)
                    throw new InvalidOperationException($"the grammar has sequences longer than {maxTokens} tokens; it is too large to enumerate");
                else Visit();
                _prefix.RemoveAt(_prefix.Count - 1);
                _steps.RemoveAt(_steps.Count - 1);
                matcher.Rollback(1);
            }
        }

        private void Record()
        {
            if (Results.Count >= maxSequences)
                throw new InvalidOperationException($"the grammar has more than {maxSequences} sequences; it is too large to enumerate");
            double probability = 1;
            foreach (double p in _steps) probability *= p;
            Results.Add(new WeightedSequence([.. _prefix], [.. _steps], probability));
        }
    }
}
