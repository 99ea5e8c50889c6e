using System.Runtime.CompilerServices;

namespace Spindle.Watermarking;

/// <summary>
/// The keyed pseudo-random function every scheme is built on: SplitMix64's finalizer (a bijection on 64 bits with full
/// avalanche) applied to a running state into which each input is absorbed as <c>state ^ value · φ</c> (φ = 2⁶⁴/golden
/// ratio, odd, so the product is a bijection too). A scheme starts from <see cref="Domain"/> of the key and a constant of
/// its own, so two schemes under one key share no values. Not a cryptographic PRF: it is fast (two multiplies per input)
/// and its outputs are as good as uniform for the statistics the detectors compute.
/// </summary>
internal static class KeyedHash
{
    private const ulong Golden = 0x9E3779B97F4A7C15UL;

    /// <summary>SplitMix64's output function.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>The state after absorbing <paramref name="value"/> (a token id, a layer, a message): one mix.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong Absorb(ulong state, ulong value) => Mix(state ^ (value * Golden));

    /// <summary>The starting state of one scheme (<paramref name="salt"/>: eight ASCII letters naming it) under a key.</summary>
    public static ulong Domain(WatermarkKey key, ulong salt) => Mix(Mix(key.Value ^ salt) + Golden);

    /// <summary>Absorbs every token of <paramref name="tokens"/> in order (a context window).</summary>
    public static ulong AbsorbAll(ulong state, ReadOnlySpan<int> tokens)
    {
        foreach (int t in tokens) state = Absorb(state, (uint)t);
        return state;
    }

    /// <summary>FNV-1a over <paramref name="bytes"/> (64-bit offset basis and prime), before the final mix.</summary>
    public static ulong Fnv1a(ReadOnlySpan<byte> bytes)
    {
        ulong h = 0xCBF29CE484222325UL;
        foreach (byte b in bytes) h = (h ^ b) * 0x100000001B3UL;
        return h;
    }

    /// <summary>
    /// ⌊p · 2⁶⁴⌋ (saturated): a 64-bit hash value below it occurs with probability p (to 2⁻⁵³), which is how each
    /// token is independently green with probability γ.
    /// </summary>
    public static ulong Threshold(double p) =>
        p <= 0 ? 0 : p >= 1 ? ulong.MaxValue : (ulong)Math.Min(p * 18446744073709551616.0, 18446744073709549568.0);
}
