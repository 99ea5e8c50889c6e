namespace Spindle.Decoding.EntropyAdaptive;

/// <summary>How closely one output follows a reference, position by position.</summary>
/// <param name="ComparedTokens">Positions compared: the shorter output's length.</param>
/// <param name="EqualTokens">Compared positions holding the same token.</param>
/// <param name="CommonPrefix">Tokens before the first difference (the reference's own length when one output extends the other).</param>
public sealed record TokenAgreement(int ComparedTokens, int EqualTokens, int CommonPrefix)
{
    /// <summary>EqualTokens / ComparedTokens; 1 when nothing was compared.</summary>
    public double Fraction => ComparedTokens == 0 ? 1 : (double)EqualTokens / ComparedTokens;
}
