using Spindle.Constraints;
using Spindle.Constraints.Parsing;
using Spindle.Constraints.Vocabulary;

namespace Spindle.Sampling.Aligned;

/// <summary>Settings of an <see cref="AsapSampler"/>.</summary>
public sealed record AsapSamplerOptions
{
    /// <summary>Seed of the sampler's own generator.</summary>
    public ulong Seed { get; init; }

    /// <summary>Most tokens per sample (a sample cut short is returned without an end-of-generation token).</summary>
    public int MaxTokens { get; init; } = 256;

    /// <summary>What grammar-aligned sampling learns across samples; null samples with plain masking (GCD) instead.</summary>
    public AsapState? Alignment { get; init; }
}

/// <summary>
/// Draws whole grammatical samples from any <see cref="ITokenDistribution"/> with the same stages generation uses: the
/// constraint mask (plain grammar-constrained decoding) or <see cref="AsapStage"/> (grammar-aligned), then a softmax
/// draw at temperature 1. Repeated <see cref="Sample"/> calls with an <see cref="AsapSamplerOptions.Alignment"/> state
/// converge to the LM's distribution conditioned on the grammar.
/// </summary>
public sealed class AsapSampler
{
    private readonly ITokenDistribution _model;
    private readonly SamplerChain _chain;
    private readonly IConstraintVocabulary _vocabulary;
    private readonly float[] _logits;
    private readonly List<int> _prefix = [];
    private readonly int _maxTokens;

    public AsapSampler(ITokenDistribution model, CompiledGrammar grammar, TokenTrie tokens, AsapSamplerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(grammar);
        ArgumentNullException.ThrowIfNull(tokens);
        options ??= new AsapSamplerOptions();
        if (options.MaxTokens < 1) throw new ArgumentOutOfRangeException(nameof(options), options.MaxTokens, "MaxTokens must be ≥ 1");
        if (model.VocabularySize < tokens.Vocabulary.TokenCount)
            throw new ArgumentException($"the model has {model.VocabularySize} logits per row, the vocabulary {tokens.Vocabulary.TokenCount} tokens", nameof(model));
        _model = model;
        _vocabulary = tokens.Vocabulary;
        _maxTokens = options.MaxTokens;
        _logits = new float[model.VocabularySize];
        ILogitsStage constraint = options.Alignment is { } state
            ? new AsapStage(state, grammar, tokens)
            : new ConstraintMaskStage(new Matcher(grammar, tokens));
        _chain = new SamplerChain([constraint, new DistributionPicker(new SamplerRng(options.Seed))], model.VocabularySize);
    }

    /// <summary>One sample: its tokens, ending with an end-of-generation id unless <see cref="AsapSamplerOptions.MaxTokens"/> cut it.</summary>
    public int[] Sample(CancellationToken cancellationToken = default)
    {
        _chain.Reset();
        _prefix.Clear();
        while (_prefix.Count < _maxTokens)
        {
            cancellationToken.ThrowIfCancellationRequested();
            _model.GetLogits(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_prefix), _logits);
            int token = _chain.Sample(_logits);
            _chain.Accept(token);
            _prefix.Add(token);
            if (IsEndOfGeneration(token)) break;
        }
        return [.. _prefix];
    }

    private bool IsEndOfGeneration(int token)
    {
        foreach (int id in _vocabulary.EndOfGenerationIds) if (id == token) return true;
        return false;
    }
}
