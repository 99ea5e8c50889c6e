using Spindle.Decoding;
using Spindle.Decoding.Speculative;
using Spindle.Sampling;
using Spindle.Sampling.Aligned;
using Spindle.Watermarking;
using Spindle.Watermarking.Tournament;

namespace Spindle.Generation;

/// <summary>What to generate and when to stop.</summary>
public sealed record GenerationOptions
{
    /// <summary>Most tokens to generate (an end-of-generation token counts).</summary>
    public int MaxTokens { get; init; } = 256;

    /// <summary>The sampler chain's options (llama.cpp's defaults: temperature 0.8, top-k 40, top-p 0.95, min-p 0.05).</summary>
    public SamplingOptions Sampling { get; init; } = new();

    /// <summary>Overrides <see cref="SamplingOptions.Seed"/> when set.</summary>
    public ulong? Seed { get; init; }

    /// <summary>Generation stops before any of these strings; they are matched across token boundaries and never emitted.</summary>
    public IReadOnlyList<string> StopStrings { get; init; } = [];

    /// <summary>How many of the most likely tokens each chunk lists with their log-probabilities (0: none).</summary>
    public int TopLogprobs { get; init; }

    /// <summary>
    /// Add BOS/EOS as the vocabulary asks when tokenizing a plain prompt. Null: yes for plain prompts; for chat messages,
    /// only when the rendered template does not already begin with the BOS token's text.
    /// </summary>
    public bool? AddSpecial { get; init; }

    /// <summary>Turn control-token text in the prompt (e.g. "&lt;|im_start|&gt;") into those tokens. Null: no for plain prompts, yes for chat.</summary>
    public bool? ParseSpecial { get; init; }

    /// <summary>
    /// How the next token is chosen. Null: the sampler chain <see cref="Sampling"/> describes. The seam for other
    /// per-token strategies (a search decoder can drive <see cref="SpindleModel"/>'s session itself).
    /// </summary>
    public Func<SpindleModel, GenerationOptions, ITokenSelector>? SelectorFactory { get; init; }

    /// <summary>
    /// Beam search (or diverse beam search with <see cref="DiverseBeamSearchOptions"/>) instead of sampling; the best
    /// hypothesis is delivered. Its MaxNewTokens and StopTokens are taken from these options and the vocabulary.
    /// </summary>
    public BeamSearchOptions? Beam { get; init; }

    /// <summary>Contrastive search instead of sampling; MaxNewTokens and StopTokens as for <see cref="Beam"/>.</summary>
    public ContrastiveSearchOptions? Contrastive { get; init; }

    /// <summary>
    /// Restricts the output to a regex, GBNF grammar or choice list: a mask stage after the penalties sets every token the
    /// grammar does not allow to −∞, for any sampler (greedy, top-k/p, Mirostat, …). End-of-generation is allowed only
    /// when the output is complete, and is all that is allowed once nothing can follow, so a complete output ends with
    /// <see cref="FinishReason.EndOfGeneration"/>. With <see cref="Beam"/> every beam carries its own grammar state; with
    /// <see cref="Contrastive"/> the candidates are allowed tokens only.
    /// </summary>
    public ConstraintSpec? Constraint { get; init; }

    /// <summary>
    /// Grammar-aligned sampling (ASAp) for <see cref="Constraint"/>: null masks plainly, which biases samples towards
    /// prefixes the LM likes even when their grammatical continuations are unlikely. With a state, every allowed token
    /// is weighted by the learned expected future grammaticality of its prefix; pass the same state to every call with
    /// the same prompt and constraint, and the samples converge to the LM's distribution conditioned on the grammar
    /// (exactly so at temperature 1 without top-k/top-p/min-p). See <see cref="AsapStage"/>.
    /// </summary>
    public AsapState? GrammarAlignment { get; init; }

    /// <summary>
    /// Speculative decoding: a drafter proposes tokens and the target verifies them in one pass each round. Lossless:
    /// the output is distributed exactly as without it (the same tokens under greedy decoding); only the speed changes.
    /// Works with every sampler of the chain and with <see cref="Constraint"/>; not with beam or contrastive search,
    /// grammar alignment or a custom <see cref="SelectorFactory"/>.
    /// </summary>
    public SpeculationOptions? Speculation { get; init; }

    /// <summary>
    /// Embeds a watermark while sampling: KGW green lists (<see cref="Watermarking.Kgw.KgwOptions"/>) or a codable
    /// message (<see cref="Watermarking.Codable.CodableOptions"/>) as a stage after the constraint, so they combine with
    /// every sampler and with constraints; SynthID-Text's tournament (<see cref="Watermarking.Tournament.TournamentOptions"/>)
    /// as the sampling picker (greedy decoding is then not watermarked; Mirostat is refused). Speculative decoding stays
    /// lossless with respect to the watermarked distribution. Reported logprobs stay the model's own. Not with beam or
    /// contrastive search.
    /// </summary>
    public WatermarkOptions? Watermark { get; init; }

    /// <summary>
    /// Throws <see cref="ArgumentOutOfRangeException"/> (or <see cref="ArgumentException"/> for conflicting strategies)
    /// naming the first property that is out of range, the sampling and search options included;
    /// <see cref="SpindleModel.GenerateAsync(IReadOnlyList{int}, GenerationOptions?, CancellationToken)"/> calls it before
    /// any work.
    /// </summary>
    public void Validate()
    {
        if (MaxTokens < 0) throw new ArgumentOutOfRangeException(nameof(MaxTokens), MaxTokens, "must be ≥ 0");
        if (TopLogprobs < 0) throw new ArgumentOutOfRangeException(nameof(TopLogprobs), TopLogprobs, "must be ≥ 0");
        ArgumentNullException.ThrowIfNull(Sampling, nameof(Sampling));
        ArgumentNullException.ThrowIfNull(StopStrings, nameof(StopStrings));
        foreach (string stop in StopStrings)
            if (string.IsNullOrEmpty(stop)) throw new ArgumentException("a stop string must not be empty", nameof(StopStrings));
        EffectiveSampling.Validate();
        if (Beam is not null && Contrastive is not null)
            throw new ArgumentException("choose beam search or contrastive search, not both", nameof(Contrastive));
        // Their MaxNewTokens is set from MaxTokens when they run, so it is not this object's to check.
        if (Beam is not null) (Beam with { MaxNewTokens = 1 }).Validate();
        if (Contrastive is not null) (Contrastive with { MaxNewTokens = 1 }).Validate();
        if (GrammarAlignment is not null && (Beam is not null || Contrastive is not null))
            throw new ArgumentException("grammar alignment (ASAp) reweights sampling; it does not apply to beam or contrastive search", nameof(GrammarAlignment));
        if (GrammarAlignment is not null && Constraint is null)
            throw new ArgumentException("grammar alignment needs a constraint", nameof(GrammarAlignment));
        if (Watermark is not null)
        {
            Watermark.Validate();
            if (Beam is not null || Contrastive is not null)
                throw new ArgumentException("watermarking reweights the sampler chain; it does not apply to beam or contrastive search", nameof(Watermark));
            if (Watermark is TournamentOptions && EffectiveSampling.Mirostat != 0)
                throw new ArgumentException("tournament sampling replaces the sampling picker; it does not combine with Mirostat", nameof(Watermark));
        }
        if (Speculation is not null)
        {
            Speculation.Validate();
            if (Beam is not null || Contrastive is not null)
                throw new ArgumentException("speculative decoding samples; it does not apply to beam or contrastive search", nameof(Speculation));
            if (GrammarAlignment is not null)
                throw new ArgumentException("grammar alignment learns from each sample; it does not combine with speculative decoding", nameof(Speculation));
            if (SelectorFactory is not null)
                throw new ArgumentException("speculative decoding needs the sampler chain's distribution, not a custom selector", nameof(Speculation));
        }
    }

    internal SamplingOptions EffectiveSampling => Seed is { } s ? Sampling with { Seed = s } : Sampling;
}
