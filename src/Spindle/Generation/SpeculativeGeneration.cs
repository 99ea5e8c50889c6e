using System.Diagnostics;
using Spindle.Decoding.Speculative;
using Spindle.Models;
using Spindle.Sampling;

namespace Spindle.Generation;

/// <summary>
/// <see cref="SpindleModel"/>'s generation loop when <see cref="GenerationOptions.Speculation"/> is set. Each round the
/// drafter proposes a chain or tree after the last chosen token (the root, not yet evaluated); one target forward pass
/// evaluates the root and every draft node (a tree through an attention mask, each node at its depth's position);
/// the verifier walks down from the root, choosing each position's token from the target's own distribution with the
/// rejection rule, and every chosen token goes through the same <see cref="TokenEmitter"/> as plain decoding. The
/// cache then keeps the root and the accepted path (moved into consecutive slots) and drops the rest.
/// </summary>
internal static class SpeculativeGeneration
{
    private const ulong VerifierSalt = 0x5350454356455249UL;
    private const ulong DraftSalt = 0x5350454344524146UL;

    public static IEnumerable<GenerationChunk> Run(SpindleModel spindle, IReadOnlyList<int> prompt, GenerationOptions options,
        CancellationToken cancellationToken)
    {
        var speculation = options.Speculation!;
        var selector = spindle.CreateSelector(options);
        var chain = (selector as SamplerChainSelector)?.Chain;
        if (chain is null || !chain.CanShape)
            throw new ArgumentException("speculative decoding needs a sampler chain whose picker exposes its distribution", nameof(options));
        var drafter = spindle.DrafterFor(speculation);
        var model = spindle.Model;
        var session = spindle.Session;
        var cache = session.Cache;
        int vocabulary = model.Config.VocabSize;
        ulong seed = options.EffectiveSampling.Seed;
        var verifier = new SpeculativeVerifier(vocabulary, new SamplerRng(seed ^ VerifierSalt), speculation.BrokenResidualForTests);
        var context = new DraftContext(model, cache, chain, new SamplerRng(seed ^ DraftSalt)) { CancellationToken = cancellationToken };
        var emitter = new TokenEmitter(selector, spindle.Logprobs, spindle.Tokenizer, options, prompt);

        var clock = Stopwatch.StartNew();
        int cached = spindle.PrefillPrompt(prompt, cancellationToken, out bool prefilled);
        var prefillTime = clock.Elapsed;
        long rounds = 0, drafted = 0, accepted = 0;
        GenerationUsage Usage() => new(prompt.Count, cached, emitter.Generated, prefillTime, clock.Elapsed - prefillTime, emitter.SamplingTime)
        {
            Speculation = new SpeculationStats(rounds, drafted, accepted,
                (drafter as DraftModelDrafter)?.ForwardPasses ?? 0, emitter.Generated),
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

        var tree = new DraftTree();
        int maxNodes = speculation.DraftMax;
        var batch = new ForwardBatch(maxNodes + 1);
        var mask = new AttentionMask(maxNodes + 1);
        var rows = new float[(long)(maxNodes + 1) * vocabulary];
        var path = new int[maxNodes + 1];
        context.Tokens.AddRange(prompt);

        // The first token comes from the prompt's logits, through the verifier with nothing drafted.
        tree.Clear();
        int first = Choose(verifier, chain, session.Logits, tree, -1, out _);
        var firstChunk = emitter.Emit(session.Logits, first, contextFull: cache.Count >= cache.Capacity);
        if (firstChunk.FinishReason is not null)
        {
            yield return TokenEmitter.WithUsage(firstChunk, Usage());
            yield break;
        }
        yield return firstChunk;
        int root = first;

        while (true)
        {
            if (cancellationToken.IsCancellationRequested)
            {
                yield return emitter.Finish(FinishReason.Cancelled, Usage());
                yield break;
            }
            int start = cache.Count;
            context.Tokens.Add(root);
            // Room for the drafts: the context's free slots after the root, and the tokens still wanted after a bonus one.
            int limit = Math.Min(maxNodes, Math.Min(cache.Capacity - start - 1, options.MaxTokens - emitter.Generated - 1));
            tree.Clear();
            if (limit > 0) drafter.Draft(context, tree, limit);
            if (cache.Count != start) throw new InvalidOperationException("the drafter left the target's cache changed");

            int n = tree.Count;
            batch.Clear();
            batch.Add(root, start, 0, output: true);
            for (int i = 0; i < n; i++) batch.Add(tree.Tokens[i], start + tree.Depth(i), 0, output: true);
            if (!tree.IsChain)
            {
                mask.Reset();
                for (int i = 0; i < n; i++)
                {
                    mask.Allow(1 + i, 0);
                    for (int a = tree.Parent(i); a >= 0; a = tree.Parent(a)) mask.Allow(1 + i, 1 + a);
                }
                batch.Mask = mask;
            }
            int rowsUsed = (n + 1) * vocabulary;
            model.Forward(batch, cache, rows.AsSpan(0, rowsUsed), cancellationToken: cancellationToken);
            rounds++;
            drafted += n;
            drafter.Observe(root, tree, rows.AsSpan(0, rowsUsed), vocabulary);

            // Walk down from the root: each position's token from the target's distribution after its parent.
            int parent = -1, depth = 0;
            GenerationChunk chunk;
            while (true)
            {
                int token = Choose(verifier, chain, rows.AsSpan((parent + 1) * vocabulary, vocabulary), tree, parent, out int node);
                chunk = emitter.Emit(rows.AsSpan((parent + 1) * vocabulary, vocabulary), token, contextFull: start + 1 + depth >= cache.Capacity);
                if (node >= 0) accepted++;
                if (node < 0 || chunk.FinishReason is not null) break;
                path[depth++] = node;
                context.Tokens.Add(token);
                parent = node;
                yield return chunk;
            }
            // Keep the root and the accepted path in consecutive slots; tree positions already match.
            for (int j = 0; j < depth; j++)
            {
                int slot = start + 1 + path[j];
                if (slot != start + 1 + j) cache.CopySlot(slot, start + 1 + j);
            }
            cache.Truncate(start + 1 + depth);
            spindle.CachedTokens.Add(root);
            for (int j = 0; j < depth; j++) spindle.CachedTokens.Add(tree.Tokens[path[j]]);

            if (chunk.FinishReason is not null)
            {
                yield return TokenEmitter.WithUsage(chunk, Usage());
                yield break;
            }
            yield return chunk;
            root = chunk.TokenId;
        }
    }

    /// <summary>The position's token by the rejection rule against the chain's distribution; the chain's picker learns it.</summary>
    private static int Choose(SpeculativeVerifier verifier, SamplerChain chain, ReadOnlySpan<float> row, DraftTree tree, int parent, out int node)
    {
        int token = verifier.Decide(chain.Shape(row), tree, parent, out node);
        chain.Commit(token);
        return token;
    }
}
