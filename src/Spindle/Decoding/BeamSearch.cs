using System.Numerics.Tensors;
using Spindle.Caching;
using Spindle.Constraints;
using Spindle.Constraints.Vocabulary;
using Spindle.Models;
using Spindle.Sampling;
using Spindle.Tensors.Ops;

namespace Spindle.Decoding;

/// <summary>
/// Beam search with Hugging Face's semantics (length penalty, <see cref="BeamEarlyStopping"/>, stop tokens collected in
/// a best-B set), and diverse (group) beam search when given <see cref="DiverseBeamSearchOptions"/>. Each step expands
/// every live beam with one batched forward pass: one sequence and one KV cache per beam (see
/// <see cref="BeamCachePool"/> for how caches follow the selected beams). Uses the model exclusively while it runs.
/// <para>
/// With a constraint (a <see cref="Matcher"/>), every live beam carries its own grammar state: before candidates are
/// chosen, the tokens its state does not allow get log-probability −∞ (end-of-generation only where the output is
/// complete), and a beam extended by token t continues with its parent's state after t: the first child of a parent
/// takes the parent's matcher, every further child a <see cref="Matcher.Clone"/> of it, so beams never share mutable
/// state. Scores are HF's processed scores: the model's log-probabilities with disallowed tokens at −∞, not
/// renormalised over the allowed ones (HF's logits processors run after log_softmax), so a hypothesis's
/// <see cref="BeamHypothesis.SumLogProb"/> is the model's own log-probability of it and beams compete on that. A beam
/// whose state allows no token (the vocabulary cannot spell what the grammar needs next) is dropped; when that leaves
/// no hypothesis at all, the search throws <see cref="ConstraintDeadEndException"/>. A hypothesis cut by
/// <see cref="BeamSearchOptions.MaxNewTokens"/> (StopToken null) may be an incomplete prefix, as in sampling.
/// </para>
/// </summary>
public static class BeamSearch
{
    /// <summary>Runs on a thread-pool thread; the result comes at the end (beams are not final until then).</summary>
    public static Task<BeamSearchResult> RunAsync(Model model, ReadOnlyMemory<int> prompt, BeamSearchOptions options,
        CancellationToken cancellationToken = default) =>
        Task.Run(() => Run(model, prompt.Span, options, null, cancellationToken), cancellationToken);

    /// <summary>Constrained beam search on a thread-pool thread; <paramref name="constraint"/> is cloned, never changed.</summary>
    public static Task<BeamSearchResult> RunAsync(Model model, ReadOnlyMemory<int> prompt, BeamSearchOptions options,
        Matcher? constraint, CancellationToken cancellationToken = default) =>
        Task.Run(() => Run(model, prompt.Span, options, constraint, cancellationToken), cancellationToken);

    public static BeamSearchResult Run(Model model, ReadOnlySpan<int> prompt, BeamSearchOptions options,
        CancellationToken cancellationToken = default) =>
        Run(model, prompt, options, null, cancellationToken);

    /// <summary>
    /// Beam search whose every hypothesis follows <paramref name="constraint"/> (null: unconstrained), starting from the
    /// matcher's current state; the matcher itself is cloned, never changed. <see cref="BeamSearchOptions.StopTokens"/>
    /// should hold the vocabulary's end-of-generation ids, so a complete output ends its hypothesis.
    /// </summary>
    public static BeamSearchResult Run(Model model, ReadOnlySpan<int> prompt, BeamSearchOptions options, Matcher? constraint,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        if (prompt.IsEmpty) throw new ArgumentException("beam search needs a prompt of at least one token", nameof(prompt));
        cancellationToken.ThrowIfCancellationRequested();

        int beams = options.BeamWidth, groups = options.GroupCount, groupSize = beams / groups;
        int vocab = model.Config.VocabSize, maxNew = options.MaxNewTokens, promptLength = prompt.Length;
        float diversity = options.Diversity;
        int[] stops = [.. options.StopTokens];
        // A parent's top (groupSize + stops) tokens hold every candidate of it that can be among the group's best
        // non-stop groupSize, whichever of them are stop tokens.
        int perBeam = Math.Min(vocab, groupSize + stops.Length);

        using var pool = new BeamCachePool(model, beams, promptLength, maxNew, options.CacheType);
        var logits = new float[beams * vocab];
        var batch = new ForwardBatch(Math.Max(promptLength, beams));
        batch.AddSequence(prompt, 0, outputLast: true);
        model.Forward(batch, pool[0], logits.AsSpan(0, vocab), cancellationToken: cancellationToken);

        // Per beam slot (group g owns slots [g·groupSize, (g+1)·groupSize)).
        var live = new bool[beams];
        var cacheOf = new int[beams];
        var rowOf = new int[beams];
        var score = new double[beams];
        var sumLogProb = new double[beams];
        var history = new int[beams * maxNew];
        // Next step's beams, built while the current ones are still read.
        var nextLive = new bool[beams];
        var nextParent = new int[beams];
        var nextToken = new int[beams];
        var nextScore = new double[beams];
        var nextSumLogProb = new double[beams];
        var nextHistory = new int[beams * maxNew];
        // Each group starts from the prompt alone (HF gives the other beams of a group a score of −1e9 at step 0).
        for (int g = 0; g < groups; g++) live[g * groupSize] = true;

        // Grammar state per beam slot, and one reused mask buffer per slot: nothing grows with the steps but the
        // matchers' own histories.
        Matcher?[]? matchers = null, nextMatchers = null;
        TokenMask[]? masks = null;
        bool[]? parentTaken = null;
        Matcher? deadEnd = null;
        if (constraint is not null)
        {
            matchers = new Matcher?[beams];
            nextMatchers = new Matcher?[beams];
            masks = new TokenMask[beams];
            parentTaken = new bool[beams];
            for (int s = 0; s < beams; s++) masks[s] = new TokenMask(constraint.VocabularySize);
            for (int g = 0; g < groups; g++) matchers[g * groupSize] = constraint.Clone();
        }

        var finished = new FinishedHypotheses[groups];
        for (int g = 0; g < groups; g++)
            finished[g] = new FinishedHypotheses(groupSize, options.LengthPenalty, options.EarlyStopping, maxNew);
        var done = new bool[groups];

        var expScratch = new float[vocab];
        var penalized = new float[vocab];
        var penalty = diversity > 0 ? new float[vocab] : null;
        var penalizedTokens = new int[beams];
        var topIds = new int[perBeam];
        var candidates = new BeamCandidate[groupSize * perBeam];
        var batchCaches = new KvCache[beams];
        var parentCaches = new int[beams];
        var childCaches = new int[beams];
        var batchSlots = new int[beams];

        int length = 0;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            int generatedLength = length + 1;
            int penalizedCount = 0;
            Array.Clear(nextLive);
            for (int g = 0; g < groups; g++)
            {
                if (done[g]) continue;
                int candidateCount = 0;
                for (int s = g * groupSize; s < (g + 1) * groupSize; s++)
                {
                    if (!live[s]) continue;
                    var row = logits.AsSpan(rowOf[s] * vocab, vocab);
                    float logSumExp = Softmax.LogSumExp(row, expScratch);
                    if (matchers is not null)
                    {
                        var matcher = matchers[s]!;
                        if (matcher.IsFinished)
                        {
                            // It took an end-of-generation token that is not a stop token: the output is complete.
                            finished[g].Add(history.AsSpan(s * maxNew, length), score[s], sumLogProb[s], null, g);
                            continue;
                        }
                        // Masked after the log-sum-exp: scores stay the model's log-probabilities (see the class notes).
                        if (!ConstrainedRow.TryMask(matcher, masks![s], row))
                        {
                            deadEnd = matcher;
                            continue;
                        }
                    }
                    ReadOnlySpan<float> ranked = row;
                    if (penalizedCount > 0)
                    {
                        TensorPrimitives.Subtract(row, penalty, penalized);
                        ranked = penalized;
                    }
                    int n = TopK.Select(ranked, topIds);
                    for (int r = 0; r < n; r++)
                    {
                        int id = topIds[r];
                        // Ranked best first, so only disallowed (masked) tokens follow the first −∞.
                        if (float.IsNegativeInfinity(ranked[id])) break;
                        candidates[candidateCount++] = new BeamCandidate(
                            score[s] + (ranked[id] - logSumExp), sumLogProb[s] + (row[id] - logSumExp), s, r, id);
                    }
                }
                if (candidateCount == 0) { done[g] = true; continue; }
                candidates.AsSpan(0, candidateCount).Sort(BeamCandidate.BestFirst);

                int made = 0;
                for (int rank = 0; rank < candidateCount && made < groupSize; rank++)
                {
                    var c = candidates[rank];
                    if (Array.IndexOf(stops, c.Token) >= 0)
                    {
                        // As HF: a stop token only finishes a hypothesis while it ranks among the group's best groupSize.
                        if (rank >= groupSize) continue;
                        finished[g].Add(history.AsSpan(c.Slot * maxNew, length), c.Score, c.SumLogProb, c.Token, g);
                        continue;
                    }
                    int ns = g * groupSize + made++;
                    nextLive[ns] = true;
                    nextParent[ns] = c.Slot;
                    nextToken[ns] = c.Token;
                    nextScore[ns] = c.Score;
                    nextSumLogProb[ns] = c.SumLogProb;
                    if (penalty is not null)
                    {
                        penalty[c.Token] += diversity;
                        penalizedTokens[penalizedCount++] = c.Token;
                    }
                }
                if (finished[g].IsDone(candidates[0].Score, generatedLength))
                {
                    done[g] = true;
                    for (int s = g * groupSize; s < (g + 1) * groupSize; s++) nextLive[s] = false;
                }
            }
            if (penalty is not null)
            {
                for (int i = 0; i < penalizedCount; i++) penalty[penalizedTokens[i]] = 0f;
            }

            // Promote the selected beams: histories, scores, and the cache each one's parent left.
            int batchSize = 0;
            for (int s = 0; s < beams; s++)
            {
                if (!nextLive[s]) continue;
                int parent = nextParent[s];
                history.AsSpan(parent * maxNew, length).CopyTo(nextHistory.AsSpan(s * maxNew));
                nextHistory[s * maxNew + length] = nextToken[s];
                parentCaches[batchSize] = cacheOf[parent];
                batchSlots[batchSize++] = s;
            }
            (history, nextHistory) = (nextHistory, history);
            if (matchers is not null) AdvanceMatchers(matchers, nextMatchers!, parentTaken!, nextLive, nextParent, nextToken);
            Array.Copy(nextLive, live, beams);
            Array.Copy(nextScore, score, beams);
            Array.Copy(nextSumLogProb, sumLogProb, beams);
            length = generatedLength;
            if (batchSize == 0) break;
            if (length == maxNew)
            {
                for (int s = 0; s < beams; s++)
                {
                    if (live[s]) finished[s / groupSize].Add(history.AsSpan(s * maxNew, length), score[s], sumLogProb[s], null, s / groupSize);
                }
                break;
            }

            pool.Assign(parentCaches.AsSpan(0, batchSize), childCaches);
            batch.Clear();
            for (int j = 0; j < batchSize; j++)
            {
                int s = batchSlots[j];
                cacheOf[s] = childCaches[j];
                rowOf[s] = j;
                batchCaches[j] = pool[cacheOf[s]];
                batch.Add(nextToken[s], promptLength + length - 1, j, output: true);
            }
            cancellationToken.ThrowIfCancellationRequested();
            model.Forward(batch, batchCaches.AsSpan(0, batchSize), logits);
            Array.Clear(batchCaches);
        }

        if (deadEnd is not null)
        {
            int kept = 0;
            foreach (var f in finished) kept += f.Count;
            if (kept == 0) ConstraintStageChecks.ThrowNothingAllowed(deadEnd);
        }
        return Collect(finished, beams, length, pool.CopiedSlots);
    }

    /// <summary>
    /// Gives each selected beam its parent's grammar state advanced by its token. The first child of a parent takes the
    /// parent's matcher; the others clone it before anyone advances it, so siblings share nothing mutable.
    /// </summary>
    private static void AdvanceMatchers(Matcher?[] matchers, Matcher?[] next, bool[] parentTaken,
        bool[] nextLive, int[] nextParent, int[] nextToken)
    {
        Array.Clear(parentTaken);
        Array.Clear(next);
        for (int s = 0; s < next.Length; s++)
        {
            if (!nextLive[s] || parentTaken[nextParent[s]]) continue;
            parentTaken[nextParent[s]] = true;
            next[s] = matchers[nextParent[s]];
        }
        for (int s = 0; s < next.Length; s++)
        {
            if (nextLive[s] && next[s] is null) next[s] = matchers[nextParent[s]]!.Clone();
        }
        for (int s = 0; s < next.Length; s++)
        {
            if (nextLive[s] && !next[s]!.TryAccept(nextToken[s])) ConstraintStageChecks.ThrowRejected(nextToken[s]);
        }
        Array.Copy(next, matchers, next.Length);
    }

    private static BeamSearchResult Collect(FinishedHypotheses[] finished, int beams, int steps, long copiedSlots)
    {
        var perGroup = new IReadOnlyList<BeamHypothesis>[finished.Length];
        var all = new List<BeamHypothesis>();
        for (int g = 0; g < finished.Length; g++)
        {
            var sorted = finished[g].SortedBestFirst();
            perGroup[g] = sorted;
            all.AddRange(sorted);
        }
        // Stable: equal scores keep group order.
        var indexed = new (BeamHypothesis H, int I)[all.Count];
        for (int i = 0; i < indexed.Length; i++) indexed[i] = (all[i], i);
        Array.Sort(indexed, static (a, b) => a.H.Score != b.H.Score ? b.H.Score.CompareTo(a.H.Score) : a.I.CompareTo(b.I));
        var best = new BeamHypothesis[Math.Min(beams, indexed.Length)];
        for (int i = 0; i < best.Length; i++) best[i] = indexed[i].H;
        return new BeamSearchResult(best, perGroup, steps, copiedSlots);
    }
}
