using System.Numerics.Tensors;
using Spindle.Caching;
using Spindle.Models;

namespace Spindle.Decoding;

/// <summary>
/// Beam search with Hugging Face's semantics (length penalty, <see cref="BeamEarlyStopping"/>, stop tokens collected in
/// a best-B set), and diverse (group) beam search when given <see cref="DiverseBeamSearchOptions"/>. Each step expands
/// every live beam with one batched forward pass: one sequence and one KV cache per beam (see
/// <see cref="BeamCachePool"/> for how caches follow the selected beams). Uses the model exclusively while it runs.
/// </summary>
public static class BeamSearch
{
    /// <summary>Runs on a thread-pool thread; the result comes at the end (beams are not final until then).</summary>
    public static Task<BeamSearchResult> RunAsync(Model model, ReadOnlyMemory<int> prompt, BeamSearchOptions options,
        CancellationToken cancellationToken = default) =>
        Task.Run(() => Run(model, prompt.Span, options, cancellationToken), cancellationToken);

    public static BeamSearchResult Run(Model model, ReadOnlySpan<int> prompt, BeamSearchOptions options,
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

        var pool = new BeamCachePool(model, beams, promptLength, maxNew, options.CacheType);
        var logits = new float[beams * vocab];
        var positions = new int[Math.Max(promptLength, beams)];
        for (int i = 0; i < promptLength; i++) positions[i] = i;
        model.Forward(prompt, positions.AsSpan(0, promptLength), pool[0], logits.AsSpan(0, vocab), LogitsSelection.Last);

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
        var batchTokens = new int[beams];
        var batchSequences = new int[beams];
        var batchOutputs = new bool[beams];
        var batchCaches = new KvCache[beams];
        var parentCaches = new int[beams];
        var childCaches = new int[beams];
        var batchSlots = new int[beams];
        for (int i = 0; i < beams; i++) batchSequences[i] = i;
        batchOutputs.AsSpan().Fill(true);

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
                    float logSumExp = LogProbabilities.LogSumExp(row, expScratch);
                    ReadOnlySpan<float> ranked = row;
                    if (penalizedCount > 0)
                    {
                        TensorPrimitives.Subtract(row, penalty, penalized);
                        ranked = penalized;
                    }
                    int n = TopTokens.Select(ranked, topIds);
                    for (int r = 0; r < n; r++)
                    {
                        int id = topIds[r];
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
            for (int j = 0; j < batchSize; j++)
            {
                int s = batchSlots[j];
                cacheOf[s] = childCaches[j];
                rowOf[s] = j;
                batchTokens[j] = nextToken[s];
                batchCaches[j] = pool[cacheOf[s]];
                positions[j] = promptLength + length - 1;
            }
            cancellationToken.ThrowIfCancellationRequested();
            model.Forward(batchTokens.AsSpan(0, batchSize), positions.AsSpan(0, batchSize), batchSequences.AsSpan(0, batchSize),
                batchCaches.AsSpan(0, batchSize), batchOutputs.AsSpan(0, batchSize), logits);
            for (int j = 0; j < batchSize; j++) pool.Appended(cacheOf[batchSlots[j]], batchTokens[j]);
            Array.Clear(batchCaches);
        }

        return Collect(finished, beams, length, pool.CopiedSlots);
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
