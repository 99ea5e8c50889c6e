namespace Spindle.Watermarking.Kgw;

/// <summary>
/// How the previous tokens seed a position's green list (Kirchenbauer et al., "On the Reliability of Watermarks for
/// Large Language Models", 2023, §3 / Algorithm 3).
/// </summary>
public enum KgwSeeding
{
    /// <summary>The ordered window of the previous h tokens, all hashed (h = 1: the token on the left, the original scheme).</summary>
    LeftHash,

    /// <summary>The smallest keyed hash among the previous h tokens: one edit in the window changes the seed only if it hits the minimum.</summary>
    MinHash,

    /// <summary>
    /// The candidate itself is part of the seed: min over the keyed hashes of the h context tokens and the candidate,
    /// then the candidate again ("self-hash"). A token is green by its own seed, so an attacker cannot learn one green
    /// list from repeated contexts.
    /// </summary>
    SelfHash,
}
