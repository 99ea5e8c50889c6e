namespace Spindle.Sampling;

/// <summary>One entry of the candidate list: a token, its (transformed) logit, and its probability once computed.</summary>
public struct TokenCandidate
{
    public int Id;
    public float Logit;
    public float Probability;

    public TokenCandidate(int id, float logit)
    {
        Id = id;
        Logit = logit;
        Probability = 0;
    }
}
