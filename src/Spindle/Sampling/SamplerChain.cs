namespace Spindle.Sampling;

/// <summary>
/// An ordered list of stages that is itself a stage. <see cref="Sample"/> runs them over the logits and returns the
/// picked token; the chain must end with a picking stage.
/// </summary>
public sealed class SamplerChain : ILogitsStage
{
    private readonly ILogitsStage[] _stages;
    private readonly CandidateSet _candidates;
    private readonly int _vocabularySize;

    public SamplerChain(IReadOnlyList<ILogitsStage> stages, int vocabularySize)
        : this([.. stages], vocabularySize, new CandidateSet(vocabularySize))
    {
    }

    private SamplerChain(ILogitsStage[] stages, int vocabularySize, CandidateSet candidates)
    {
        _stages = stages;
        _vocabularySize = vocabularySize;
        _candidates = candidates;
    }

    public IReadOnlyList<ILogitsStage> Stages => _stages;

    /// <summary>The candidates as the last <see cref="Sample"/> left them (for inspection and tests).</summary>
    public CandidateSet Candidates => _candidates;

    /// <summary>Runs every stage over <paramref name="logits"/> and returns the chosen token; nothing is allocated.</summary>
    public int Sample(ReadOnlySpan<float> logits)
    {
        _candidates.Load(logits);
        Apply(_candidates);
        int token = _candidates.Selected;
        if (token < 0) throw new InvalidOperationException("the sampler chain has no picking stage");
        return token;
    }

    /// <summary>True when the chain ends with a picker that can expose its distribution (<see cref="IShapedPicker"/>).</summary>
    public bool CanShape => _stages.Length > 0 && _stages[^1] is IShapedPicker;

    /// <summary>
    /// Runs every stage but the picker over <paramref name="logits"/>, then has the picker shape the candidates into the
    /// distribution it would draw from (see <see cref="IShapedPicker.Shape"/>), without drawing. Stages with randomness
    /// of their own (XTC) draw as they would for a pick, so call this once per position. The result is
    /// <see cref="Candidates"/>; follow it with <see cref="Commit"/> for the token the position gets.
    /// </summary>
    public CandidateSet Shape(ReadOnlySpan<float> logits)
    {
        if (_stages.Length == 0 || _stages[^1] is not IShapedPicker picker)
            throw new InvalidOperationException("the sampler chain's picker cannot expose its distribution");
        _candidates.Load(logits);
        for (int i = 0; i < _stages.Length - 1; i++) _stages[i].Apply(_candidates);
        picker.Shape(_candidates);
        return _candidates;
    }

    /// <summary>Tells the picker which token the last <see cref="Shape"/>d position got (the stages learn it by <see cref="Accept"/>).</summary>
    public void Commit(int token) => ((IShapedPicker)_stages[^1]).Commit(_candidates, token);

    public void Apply(CandidateSet candidates)
    {
        foreach (var stage in _stages)
        {
            stage.Apply(candidates);
            if (candidates.Selected >= 0) return;
        }
    }

    public void Accept(int token)
    {
        foreach (var stage in _stages) stage.Accept(token);
    }

    public void Reset()
    {
        foreach (var stage in _stages) stage.Reset();
    }

    public ILogitsStage Clone() => CloneWith(new CandidateSet(_vocabularySize));

    /// <summary>A copy whose candidates live in <paramref name="candidates"/> (a drafter reuses one set every round).</summary>
    internal SamplerChain CloneWith(CandidateSet candidates)
    {
        var copies = new ILogitsStage[_stages.Length];
        for (int i = 0; i < copies.Length; i++) copies[i] = _stages[i].Clone();
        return new SamplerChain(copies, _vocabularySize, candidates);
    }
}
