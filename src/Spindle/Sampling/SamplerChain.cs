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
    {
        _stages = [.. stages];
        _vocabularySize = vocabularySize;
        _candidates = new CandidateSet(vocabularySize);
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

    public ILogitsStage Clone()
    {
        var copies = new ILogitsStage[_stages.Length];
        for (int i = 0; i < copies.Length; i++) copies[i] = _stages[i].Clone();
        return new SamplerChain(copies, _vocabularySize);
    }
}
