namespace Spindle.Decoding;

/// <summary>
/// The best <c>capacity</c> finished hypotheses of one beam group (HF's BeamHypotheses): adding a better one evicts the
/// worst. Capacity is a beam width, a handful, so a plain list beats a heap here.
/// </summary>
internal sealed class FinishedHypotheses
{
    private readonly List<BeamHypothesis> _items;
    private readonly int _capacity;
    private readonly float _lengthPenalty;
    private readonly BeamEarlyStopping _earlyStopping;
    private readonly int _maxNewTokens;

    public FinishedHypotheses(int capacity, float lengthPenalty, BeamEarlyStopping earlyStopping, int maxNewTokens)
    {
        _capacity = capacity;
        _items = new List<BeamHypothesis>(capacity + 1);
        _lengthPenalty = lengthPenalty;
        _earlyStopping = earlyStopping;
        _maxNewTokens = maxNewTokens;
    }

    public int Count => _items.Count;

    public IReadOnlyList<BeamHypothesis> Items => _items;

    /// <summary>Worst kept score (+∞ while empty, so nothing counts as beaten).</summary>
    public double WorstScore { get; private set; } = double.PositiveInfinity;

    public double Normalize(double cumulativeScore, int generatedLength) =>
        _lengthPenalty == 0f ? cumulativeScore : cumulativeScore / Math.Pow(generatedLength, _lengthPenalty);

    /// <summary>
    /// Offers a hypothesis whose (penalized) cumulative score is <paramref name="cumulativeScore"/>, its
    /// <paramref name="tokens"/> copied only when it is kept. Generated length counts the stop token, as in HF.
    /// </summary>
    public void Add(ReadOnlySpan<int> tokens, double cumulativeScore, double sumLogProb, int? stopToken, int group)
    {
        int generatedLength = tokens.Length + (stopToken is null ? 0 : 1);
        double score = Normalize(cumulativeScore, Math.Max(generatedLength, 1));
        if (_items.Count >= _capacity && !(score > WorstScore)) return;
        _items.Add(new BeamHypothesis(tokens.ToArray(), score, sumLogProb, stopToken, group));
        if (_items.Count > _capacity)
        {
            int worst = 0;
            for (int i = 1; i < _items.Count; i++)
                if (_items[i].Score < _items[worst].Score) worst = i;
            _items.RemoveAt(worst);
        }
        WorstScore = double.PositiveInfinity;
        foreach (var h in _items) WorstScore = Math.Min(WorstScore, h.Score);
    }

    /// <summary>
    /// HF's is_done: whether a live candidate whose best cumulative score is <paramref name="bestCumulativeScore"/> at
    /// <paramref name="generatedLength"/> tokens can still improve on the kept hypotheses.
    /// </summary>
    public bool IsDone(double bestCumulativeScore, int generatedLength)
    {
        if (_items.Count < _capacity) return false;
        double highestAttainable = _earlyStopping switch
        {
            BeamEarlyStopping.Eager => double.NegativeInfinity,
            BeamEarlyStopping.Never when _lengthPenalty > 0 => Normalize(bestCumulativeScore, _maxNewTokens),
            _ => Normalize(bestCumulativeScore, generatedLength),
        };
        return WorstScore >= highestAttainable;
    }

    /// <summary>The kept hypotheses, best first (stable for equal scores: earlier additions first).</summary>
    public List<BeamHypothesis> SortedBestFirst()
    {
        var sorted = new List<BeamHypothesis>(_items);
        // List.Sort is unstable; order by (score desc, insertion index) explicitly.
        var indexed = new (BeamHypothesis H, int I)[sorted.Count];
        for (int i = 0; i < indexed.Length; i++) indexed[i] = (sorted[i], i);
        Array.Sort(indexed, static (a, b) => a.H.Score != b.H.Score ? b.H.Score.CompareTo(a.H.Score) : a.I.CompareTo(b.I));
        for (int i = 0; i < indexed.Length; i++) sorted[i] = indexed[i].H;
        return sorted;
    }
}
