using System.Numerics.Tensors;

namespace Spindle.Sampling;

/// <summary>
/// The candidates a sampler chain edits in place (llama.cpp's llama_token_data_array). One instance is reused for
/// every token of a request, so sampling allocates nothing per token.
/// </summary>
public sealed class CandidateSet
{
    private TokenCandidate[] _items;
    private float[] _scratch;

    public CandidateSet(int capacity)
    {
        _items = new TokenCandidate[capacity];
        _scratch = new float[capacity];
    }

    public int Count { get; private set; }

    /// <summary>True when the candidates are sorted by logit, highest first.</summary>
    public bool IsSorted { get; private set; }

    /// <summary>The chosen token once a picking stage ran, else -1.</summary>
    public int Selected { get; set; } = -1;

    public Span<TokenCandidate> Items => _items.AsSpan(0, Count);

    public ref TokenCandidate this[int index] => ref _items[index];

    /// <summary>Loads every token of the vocabulary with its raw logit.</summary>
    public void Load(ReadOnlySpan<float> logits)
    {
        if (_items.Length < logits.Length)
        {
            _items = new TokenCandidate[logits.Length];
            _scratch = new float[logits.Length];
        }
        for (int i = 0; i < logits.Length; i++) _items[i] = new TokenCandidate(i, logits[i]);
        Count = logits.Length;
        IsSorted = false;
        Selected = -1;
    }

    /// <summary>Keeps the first <paramref name="count"/> candidates.</summary>
    public void Truncate(int count)
    {
        if (count < Count) Count = Math.Max(count, 0);
    }

    /// <summary>Marks the order as changed by a stage that reorders candidates other than by logit.</summary>
    public void MarkUnsorted() => IsSorted = false;

    /// <summary>Sorts by logit, highest first; only the first <paramref name="topCount"/> need be in place.</summary>
    public void SortByLogit(int topCount = int.MaxValue)
    {
        if (IsSorted) return;
        topCount = Math.Min(topCount, Count);
        var items = Items;
        if (topCount < Count && topCount <= 128)
        {
            // Partial selection: move the topCount largest to the front, then sort just those.
            PartialSelect(items, topCount);
            var top = items[..topCount];
            var topKeys = _scratch.AsSpan(0, topCount);
            for (int i = 0; i < topCount; i++) topKeys[i] = -top[i].Logit;
            topKeys.Sort(top);
            // The tail is unordered, so the set as a whole is sorted only if the caller truncates to topCount.
            return;
        }
        // Sorting primitive keys (negated logits) with the candidates as items is several times faster than a
        // comparison delegate over structs, and deterministic for the same input.
        var keys = _scratch.AsSpan(0, items.Length);
        for (int i = 0; i < items.Length; i++) keys[i] = -items[i].Logit;
        keys.Sort(items);
        IsSorted = true;
    }

    /// <summary>Sorts and truncates to the top <paramref name="k"/> (the result is sorted).</summary>
    public void KeepTop(int k)
    {
        if (k >= Count)
        {
            SortByLogit();
            return;
        }
        SortByLogit(k);
        Count = k;
        IsSorted = true;
    }

    /// <summary>Sets each Probability to the softmax of the logits (max-subtracted, in float as llama.cpp does).</summary>
    public void Softmax()
    {
        var items = Items;
        if (items.Length == 0) return;
        float max = float.NegativeInfinity;
        foreach (ref var c in items) max = Math.Max(max, c.Logit);
        float sum = 0;
        foreach (ref var c in items)
        {
            float p = MathF.Exp(c.Logit - max);
            c.Probability = p;
            sum += p;
        }
        float inv = 1f / sum;
        foreach (ref var c in items) c.Probability *= inv;
    }

    /// <summary>Rescales the probabilities of the remaining candidates to sum to 1.</summary>
    public void Renormalize()
    {
        var items = Items;
        float sum = 0;
        foreach (ref var c in items) sum += c.Probability;
        if (sum <= 0) return;
        float inv = 1f / sum;
        foreach (ref var c in items) c.Probability *= inv;
    }

    /// <summary>Copies logits into a scratch span the caller may use within one stage.</summary>
    internal Span<float> LogitsScratch()
    {
        var items = Items;
        var s = _scratch.AsSpan(0, items.Length);
        for (int i = 0; i < items.Length; i++) s[i] = items[i].Logit;
        return s;
    }

    internal float MaxLogit()
    {
        var s = LogitsScratch();
        return s.Length == 0 ? float.NegativeInfinity : TensorPrimitives.Max(s);
    }

    private static void PartialSelect(Span<TokenCandidate> items, int k)
    {
        // Quickselect: afterwards items[0..k) hold the k largest logits (ties broken by lower id), in no order.
        int lo = 0, hi = items.Length - 1;
        while (lo < hi)
        {
            int p = Partition(items, lo, hi);
            if (p == k - 1) return;
            if (p < k - 1) lo = p + 1;
            else hi = p - 1;
        }
    }

    private static bool Before(in TokenCandidate a, in TokenCandidate b) =>
        a.Logit > b.Logit || (a.Logit == b.Logit && a.Id < b.Id);

    private static int Partition(Span<TokenCandidate> items, int lo, int hi)
    {
        int mid = lo + (hi - lo) / 2;
        (items[mid], items[hi]) = (items[hi], items[mid]);
        var pivot = items[hi];
        int store = lo;
        for (int i = lo; i < hi; i++)
        {
            if (Before(items[i], pivot))
            {
                (items[i], items[store]) = (items[store], items[i]);
                store++;
            }
        }
        (items[store], items[hi]) = (items[hi], items[store]);
        return store;
    }
}
