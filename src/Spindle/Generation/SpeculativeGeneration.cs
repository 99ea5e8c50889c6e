using System.Diagnostics;
using Spindle.Decoding.Speculative;
using Spindle.Models;
using Spindle.Sampling;

namespace Spindle.Generation;

/// <summary>
/// <see cref="SpindleModel"/>'s generation loop when <see cref="GenerationOptions.Speculation"/> is set: rounds of
/// draft, one target pass and verification (<see cref="SpeculativeRound"/>), every chosen token through the same
/// <see cref="TokenEmitter"/> as plain decoding. The model's cached-token list is the round's context, so the next
/// call reuses the cache as after plain decoding.
/// </summary>
internal static class SpeculativeGeneration
{
    public static IEnumerable<GenerationChunk> Run(SpindleModel spindle, IReadOnlyList<int> prompt, GenerationOptions options,
        CancellationToken cancellationToken)
    {
        var speculation = options.Speculation!;
        var selector = spindle.CreateSelector(options);
        var chain = (selector as SamplerChainSelector)?.Chain
            ?? throw new ArgumentException("speculative decoding needs the sampler chain's distribution, not a custom selector", nameof(options));
        var model = spindle.Model;
        var cache = spindle.Session.Cache;
        var round = new SpeculativeRound(spindle.DrafterFor(speculation), speculation, chain, model, cache, spindle.CachedTokens,
            options.EffectiveSampling.Seed);
        var emitter = new TokenEmitter(selector, spindle.Logprobs, spindle.Tokenizer, options, prompt);

        var clock = Stopwatch.StartNew();
        int cached = spindle.PrefillPrompt(prompt, cancellationToken, out bool prefilled);
        var prefillTime = clock.Elapsed;
        GenerationUsage Usage() => new(prompt.Count, cached, emitter.Generated, prefillTime, clock.Elapsed - prefillTime, emitter.SamplingTime)
        {
            Speculation = round.Stats(emitter.Generated),
        };
        if (!prefilled)
        {
            yield return emitter.Finish(FinishReason.Cancelled, Usage());
            yield break;
        }
        if (options.MaxTokens == 0)
        {
            yield return emitter.Finish(FinishReason.Length, Usage());
            yield break;
        }

        var batch = new ForwardBatch(speculation.DraftMax + 1);
        var mask = new AttentionMask(speculation.DraftMax + 1);
        int vocabulary = model.Config.VocabSize;
        var rows = new float[(long)(speculation.DraftMax + 1) * vocabulary];
        var chunks = new List<GenerationChunk>(speculation.DraftMax + 1);

        int first = round.Choose(spindle.Session.Logits);
        var last = emitter.Emit(spindle.Session.Logits, first, contextFull: cache.Count >= cache.Capacity);
        while (true)
        {
            if (last.FinishReason is not null)
            {
                yield return TokenEmitter.WithUsage(last, Usage());
                yield break;
            }
            yield return last;
            if (cancellationToken.IsCancellationRequested)
            {
                yield return emitter.Finish(FinishReason.Cancelled, Usage());
                yield break;
            }
            // Drafts never run past the tokens still wanted: the round adds a bonus token after them.
            int count = round.Draft(last.TokenId, options.MaxTokens - emitter.Generated - 1, cancellationToken);
            batch.Clear();
            mask.Reset();
            if (round.AddToBatch(batch, 0, mask)) batch.Mask = mask;
            model.Forward(batch, cache, rows.AsSpan(0, count * vocabulary), cancellationToken: cancellationToken);
            last = round.Verify(rows.AsSpan(0, count * vocabulary), emitter, chunks);
            for (int i = 0; i < chunks.Count - 1; i++) yield return chunks[i];
        }
    }
}
