namespace Spindle.Watermarking.Codable;

/// <summary>How a message chooses the favoured half of the vocabulary (Wang et al., "Towards Codable Watermarking for Injecting Multi-bits Information to LLMs", ICLR 2024).</summary>
public enum CodableScheme
{
    /// <summary>
    /// Balance-Marking: tokens in a keyed order, a proxy LM's probabilities accumulated in that order up to ½; the tokens
    /// before the half-way mark are favoured. The favoured half holds about half the proxy's mass, so the bias costs the
    /// text about as much wherever the model is confident.
    /// </summary>
    Balance,

    /// <summary>Vanilla-Marking: each token favoured with probability ½ by a keyed hash (γ = ½, no proxy).</summary>
    Vanilla,
}
