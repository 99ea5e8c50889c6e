namespace Spindle.Sampling;

/// <summary>
/// A picking stage whose draw someone else can make. Speculative decoding accepts or rejects a drafted token against
/// the exact distribution the picker would have drawn from, so it needs that distribution without a draw, and then
/// tells the picker which token the sequence got so that state driven by the draw (Mirostat's μ) moves as it would have.
/// </summary>
public interface IShapedPicker
{
    /// <summary>
    /// Leaves <paramref name="candidates"/> holding exactly the distribution <see cref="ILogitsStage.Apply"/> would draw
    /// from: the probabilities of the remaining candidates sum to 1, every other token has probability 0. Draws nothing.
    /// </summary>
    void Shape(CandidateSet candidates);

    /// <summary>
    /// Records that <paramref name="token"/> was chosen from the distribution <see cref="Shape"/> left in
    /// <paramref name="shaped"/> (unchanged since).
    /// </summary>
    void Commit(CandidateSet shaped, int token);
}
