using System.Diagnostics;
using System.Runtime.CompilerServices;
using Spindle.Caching;
using Spindle.Generation;

namespace Spindle.Decoding.EntropyAdaptive;

/// <summary>
/// Entropy-adaptive decoding (EAD): a small and a large model over one vocabulary take turns choosing the tokens of one
/// sequence. The small model runs while the rolling mean entropy of the active model's raw next-token distribution stays
/// at or below τ_up; when it exceeds τ_up the large model takes over until the mean falls below τ_down. The output is
/// <b>lossy</b>: it is neither the small model's nor the large model's output, only close to the large model's where the
/// small one is confident (see docs/entropy-adaptive-decoding.md).
/// <para>
/// One step at position p, with the active model's logits after the sequence so far:
/// (1) push H(active) to the window; (2) if the small model is active and the mean exceeds τ_up, the large model catches up
/// (one batched prefill of every token it lacks) and its entropy replaces the step's entry, so the large model chooses
/// the very token the small one was unsure of; (3) the request's sampler chain chooses the token from the active model's
/// logits, through <see cref="TokenEmitter"/> (stop strings, max tokens, logprobs of the active model, EOS);
/// (4) if the large model is active and the mean is below τ_down, the next step goes to the small model: the large
/// model's confident pick is kept, not thrown away; (5) the token is evaluated by the model active for the next step,
/// which first catches up on whatever the other model chose meanwhile. Both KV caches thus hold prefixes of the one
/// sequence, and neither ever evaluates a token twice. The window is not cleared on a switch: it holds the entropies of
/// the distributions the last w tokens were chosen from, whichever model gave them, which is what keeps a hand-over from
/// immediately bouncing back.
/// </para>
/// <para>
/// With <see cref="EntropySource.SmallModel"/> the window always measures the small model, which then evaluates every
/// token (catching up each step while the large model is active), and both hand-overs take effect at the step measured:
/// step p goes to the large model exactly while the small model's rolling mean says it is unsure.
/// </para>
/// <para>
/// One sampler chain serves both models' logits, so penalties and grammars see every token. Each run evaluates in two
/// fresh sessions (the <see cref="SpindleModel"/>s' own sessions and their prompt caches are left alone); the models are
/// only read, and <see cref="Models.Model.Forward"/> serializes passes, but a run is slower while other generations use
/// the same models. One run per decoder at a time. The work happens synchronously inside MoveNext, as in
/// <see cref="SpindleModel.GenerateAsync(IReadOnlyList{int}, GenerationOptions?, CancellationToken)"/>; a cancelled run
/// ends with a <see cref="FinishReason.Cancelled"/> chunk, not an exception.
/// </para>
/// </summary>
public sealed class EntropyAdaptiveDecoder
{
    private int _running;

    /// <exception cref="ArgumentException">the vocabularies differ (logit width or any token's text), or
    /// <paramref name="options"/> are out of range (<see cref="EntropyAdaptiveOptions.Validate"/>).</exception>
    public EntropyAdaptiveDecoder(SpindleModel small, SpindleModel large, EntropyAdaptiveOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(small);
        ArgumentNullException.ThrowIfNull(large);
        Options = options ?? new EntropyAdaptiveOptions();
        Options.Validate();
        VocabularyMatch.Ensure(small.Model.Config.VocabSize, small.Vocabulary, large.Model.Config.VocabSize, large.Vocabulary);
        Small = small;
        Large = large;
        SmallParameters = ModelParameters.Count(small.Model);
        LargeParameters = ModelParameters.Count(large.Model);
    }

    public SpindleModel Small { get; }

    public SpindleModel Large { get; }

    public EntropyAdaptiveOptions Options { get; }

    public long SmallParameters { get; }

    public long LargeParameters { get; }

    /// <summary>The last finished run's report (set before its closing chunk is delivered); null before then.</summary>
    public EntropyAdaptiveReport? Report { get; private set; }

    /// <summary>The last run's small-model lane (its cache and what it evaluated), for tests.</summary>
    internal EntropyAdaptiveLane? LastSmallLane { get; private set; }

    internal EntropyAdaptiveLane? LastLargeLane { get; private set; }

    /// <summary>The last run's prompt and generated tokens, of which each lane's cache holds a prefix.</summary>
    internal IReadOnlyList<int>? LastSequence { get; private set; }

    /// <summary>
    /// Generates a continuation of <paramref name="promptTokens"/>; the last chunk carries the finish reason and usage,
    /// and <see cref="Report"/> is set when it is delivered. Arguments are checked before this returns.
    /// </summary>
    /// <exception cref="ArgumentException">an empty prompt, options out of range, or beam / contrastive search asked for.</exception>
    /// <exception cref="ContextExceededException">the prompt does not fit the smaller of the two contexts.</exception>
    public IEnumerable<GenerationChunk> Generate(IReadOnlyList<int> promptTokens, GenerationOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(promptTokens);
        options ??= new GenerationOptions();
        if (promptTokens.Count == 0) throw new ArgumentException("the prompt has no tokens", nameof(promptTokens));
        options.Validate();
        if (options.Beam is not null || options.Contrastive is not null)
            throw new ArgumentException("entropy-adaptive decoding chooses tokens with the sampler chain; beam and contrastive search do not apply", nameof(options));
        int context = Math.Min(Small.ContextLength, Large.ContextLength);
        if (promptTokens.Count >= context) throw new ContextExceededException(promptTokens.Count, context);
        // One selector for both models' logits: penalties, grammars and the RNG see one sequence.
        var selector = Large.CreateSelector(options);
        return Run([.. promptTokens], options, context, selector, cancellationToken);
    }

    /// <summary>
    /// <see cref="Generate"/> as a stream. The work runs on the thread that moves the enumerator, after a first yield off
    /// the caller's.
    /// </summary>
    public async IAsyncEnumerable<GenerationChunk> GenerateAsync(IReadOnlyList<int> promptTokens, GenerationOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var chunks = Generate(promptTokens, options, cancellationToken);
        await Task.Yield();
        foreach (var chunk in chunks) yield return chunk;
    }

    private IEnumerable<GenerationChunk> Run(int[] prompt, GenerationOptions options, int context, ITokenSelector selector,
        CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _running, 1) == 1)
            throw new InvalidOperationException("this decoder is already running; one run at a time");
        try
        {
            Report = null;
            // The last token chosen is never evaluated, so prompt + MaxTokens slots always suffice.
            int capacity = (int)Math.Min(context, (long)prompt.Length + options.MaxTokens);
            var small = new EntropyAdaptiveLane(Small.Model, Small.Options.CacheType, capacity, SmallParameters);
            var large = new EntropyAdaptiveLane(Large.Model, Large.Options.CacheType, capacity, LargeParameters);
            var sequence = new List<int>(prompt.Length + Math.Min(options.MaxTokens, capacity));
            sequence.AddRange(prompt);
            (LastSmallLane, LastLargeLane, LastSequence) = (small, large, sequence);

            int vocab = Large.Model.Config.VocabSize;
            var emitter = new TokenEmitter(selector, new RawLogprobs(vocab), Large.Tokenizer, options, prompt);
            var window = new RollingEntropy(Options.Window);
            var scratch = new float[vocab];
            var tokens = new List<int>();
            var fromLarge = new List<bool>();
            int switches = 0;
            var active = Options.StartWithLarge ? large : small;

            var clock = Stopwatch.StartNew();
            bool prefilled = TryCatchUp(active, sequence, cancellationToken);
            var prefillTime = clock.Elapsed;

            GenerationUsage Usage() => new(prompt.Length, 0, emitter.Generated, prefillTime, clock.Elapsed - prefillTime,
                emitter.SamplingTime);
            GenerationChunk Close(GenerationChunk closing)
            {
                Report = new EntropyAdaptiveReport(prompt.Length, tokens.ToArray(), fromLarge.ToArray(), switches,
                    small.EvaluatedTokens, large.EvaluatedTokens, SmallParameters, LargeParameters, clock.Elapsed,
                    closing.FinishReason!.Value);
                return closing.Usage is null ? TokenEmitter.WithUsage(closing, Usage()) : closing;
            }
            GenerationChunk Cancelled() => Close(emitter.Finish(FinishReason.Cancelled, Usage()));

            if (!prefilled)
            {
                yield return Cancelled();
                yield break;
            }
            if (options.MaxTokens == 0)
            {
                yield return Close(emitter.Finish(FinishReason.Length, Usage()));
                yield break;
            }
            bool measureSmall = Options.EntropySource == EntropySource.SmallModel;
            while (true)
            {
                // The token chosen last step (if any) is evaluated by the model measured now (the active one, or always
                // the small one), which first takes in everything the other model chose since it last ran.
                var measured = measureSmall ? small : active;
                if (cancellationToken.IsCancellationRequested || !TryCatchUp(measured, sequence, cancellationToken))
                {
                    yield return Cancelled();
                    yield break;
                }

                window.Push(RollingEntropy.Of(measured.Logits, scratch));
                var wanted = active == small
                    ? (window.Mean > Options.TauUp ? large : small)
                    // Measuring the active model, a hand-back waits until after the large model's pick (below).
                    : (measureSmall && window.Mean < Options.TauDown ? small : large);
                if (wanted != active)
                {
                    // The model taking over decides this very step; it catches up first.
                    if (!TryCatchUp(wanted, sequence, cancellationToken))
                    {
                        yield return Cancelled();
                        yield break;
                    }
                    active = wanted;
                    switches++;
                    // Measuring the active model, the step's entropy is now the large model's, so a confident large model
                    // can hand back right after this token.
                    if (!measureSmall) window.ReplaceLast(RollingEntropy.Of(large.Logits, scratch));
                }
                else if (measured != active && !TryCatchUp(active, sequence, cancellationToken))
                {
                    yield return Cancelled();
                    yield break;
                }

                var chunk = emitter.Step(active.Logits, contextFull: sequence.Count >= context);
                tokens.Add(chunk.TokenId);
                fromLarge.Add(active == large);
                sequence.Add(chunk.TokenId);
                if (chunk.FinishReason is not null)
                {
                    yield return Close(chunk);
                    yield break;
                }
                if (!measureSmall && active == large && window.Mean < Options.TauDown)
                {
                    active = small;
                    switches++;
                }
                yield return chunk;
            }
        }
        finally
        {
            Volatile.Write(ref _running, 0);
        }
    }

    /// <summary>False when cancellation stopped the catch-up between micro-batches.</summary>
    private static bool TryCatchUp(EntropyAdaptiveLane lane, List<int> sequence, CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested) return false;
        try
        {
            lane.CatchUp(sequence, cancellationToken);
            return true;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }
}
