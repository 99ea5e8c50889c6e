using System.Runtime.CompilerServices;

namespace Spindle.Watermarking.Kgw;

/// <summary>
/// The green test shared by <see cref="KgwStage"/> and <see cref="KgwDetector"/>. A position's context (the previous h
/// tokens) reduces to a 64-bit state once; each token x then gets the value V(state, x), and x is green when
/// V &lt; ⌊γ·2⁶⁴⌋. With k the scheme's key state and t(y) = hash(k', y) a keyed per-token hash:
/// LeftHash V = hash(hash(k, x₋ₕ, …, x₋₁), x); MinHash V = hash(hash(k, min t(x₋ᵢ)), x);
/// SelfHash V = hash(hash(k, min(min t(x₋ᵢ), t(x))), x). Under the null each distinct V is an independent
/// Bernoulli(γ), which is what makes the z-test exact once repeated values are skipped. With h = 0 the context is empty
/// and the state a constant: one green list for every position.
/// </summary>
internal sealed class KgwPrf
{
    private const ulong SeedSalt = 0x4B47572D53454544UL;  // "KGW-SEED"
    private const ulong TokenSalt = 0x4B47572D544F4B4EUL; // "KGW-TOKN"

    private readonly ulong _seedKey;
    private readonly ulong _tokenKey;

    public KgwPrf(KgwOptions options)
    {
        Seeding = options.Seeding;
        ContextWidth = options.ContextWidth;
        Threshold = KeyedHash.Threshold(options.Gamma);
        _seedKey = KeyedHash.Domain(options.Key, SeedSalt ^ (ulong)options.Seeding);
        _tokenKey = KeyedHash.Domain(options.Key, TokenSalt);
    }

    public KgwSeeding Seeding { get; }

    public int ContextWidth { get; }

    /// <summary>⌊γ·2⁶⁴⌋: a value below it is green.</summary>
    public ulong Threshold { get; }

    /// <summary>The state of a context window (oldest first, <see cref="ContextWidth"/> tokens).</summary>
    public ulong ContextState(ReadOnlySpan<int> context)
    {
        if (Seeding == KgwSeeding.LeftHash) return KeyedHash.AbsorbAll(_seedKey, context);
        ulong min = ulong.MaxValue;
        foreach (int t in context) min = Math.Min(min, TokenHash(t));
        // MinHash: the seed itself; SelfHash: the context's minimum, to be combined with each candidate's hash.
        return Seeding == KgwSeeding.MinHash ? KeyedHash.Absorb(_seedKey, min) : min;
    }

    /// <summary>V(state, token) for LeftHash and MinHash (the state is the seed).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong SeededValue(ulong seed, int token) => KeyedHash.Absorb(seed, (uint)token);

    /// <summary>V(state, token) for SelfHash (the state is the context's minimum).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong SelfValue(ulong contextMin, int token) =>
        KeyedHash.Absorb(KeyedHash.Absorb(_seedKey, Math.Min(contextMin, TokenHash(token))), (uint)token);

    /// <summary>V for any seeding.</summary>
    public ulong Value(ulong state, int token) =>
        Seeding == KgwSeeding.SelfHash ? SelfValue(state, token) : SeededValue(state, token);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ulong TokenHash(int token) => KeyedHash.Absorb(_tokenKey, (uint)token);
}
