using System.Runtime.CompilerServices;

namespace Spindle.Watermarking.Tournament;

/// <summary>
/// The g-values of <see cref="TournamentOptions"/>: the previous H tokens reduce to a context state (which also names
/// the context for repetition masking), and G(state, x) = hash(state, x) is one 64-bit value whose bit l is
/// g_{l+1}(context, x). Under the null the bits of distinct (context, x) pairs are independent fair coins.
/// </summary>
internal sealed class TournamentGValues
{
    private const ulong Salt = 0x53594E544849442DUL; // "SYNTHID-"

    private readonly ulong _key;

    public TournamentGValues(TournamentOptions options)
    {
        _key = KeyedHash.Domain(options.Key, Salt);
        ContextWidth = options.ContextWidth;
        Layers = options.Layers;
        LayerMask = options.Layers == 64 ? ulong.MaxValue : (1UL << options.Layers) - 1;
    }

    public int ContextWidth { get; }

    public int Layers { get; }

    /// <summary>The bits of G that are layers.</summary>
    public ulong LayerMask { get; }

    public ulong ContextState(ReadOnlySpan<int> context) => KeyedHash.AbsorbAll(_key, context);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong Of(ulong contextState, int token) => KeyedHash.Absorb(contextState, (uint)token);
}
