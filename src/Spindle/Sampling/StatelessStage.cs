namespace Spindle.Sampling;

/// <summary>Base for stages without history: Accept and Reset do nothing and the stage is its own clone.</summary>
public abstract class StatelessStage : ILogitsStage
{
    public abstract void Apply(CandidateSet candidates);

    public void Accept(int token) { }

    public void Reset() { }

    public ILogitsStage Clone() => this;
}
