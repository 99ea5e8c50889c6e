using System.Runtime.CompilerServices;

namespace Spindle.Watermarking.Codable;

/// <summary>
/// Where a <see cref="CodableOptions"/> message lives. A message of b ≤ 16 bits is one segment; a longer one is split
/// into ⌈b/8⌉ segments of near-equal size (b = 24: 8 + 8 + 8; b = 17: 6 + 6 + 5), low bits first. The segment a
/// position carries is hash(k_seg, previous token) mod segments, so the decoder knows it from the text alone. A
/// position's seed for segment value v is hash(hash(hash(k, previous token), segment), v): the part before v is shared
/// by every candidate value, so the decoder mixes once per (position, value).
/// </summary>
internal sealed class CodableLayout
{
    private const ulong BalanceSalt = 0x434F44452D42414CUL; // "CODE-BAL"
    private const ulong VanillaSalt = 0x434F44452D56414EUL; // "CODE-VAN"
    private const ulong SegmentSalt = 0x434F44452D534547UL; // "CODE-SEG"

    private readonly ulong _key;
    private readonly ulong _segmentKey;
    private readonly int[] _bits;
    private readonly int[] _firstBit;

    public CodableLayout(CodableOptions options)
    {
        _key = KeyedHash.Domain(options.Key, options.Scheme == CodableScheme.Balance ? BalanceSalt : VanillaSalt);
        _segmentKey = KeyedHash.Domain(options.Key, SegmentSalt);
        int b = options.MessageBits;
        int count = b <= CodableOptions.MaxExhaustiveBits ? 1 : (b + CodableOptions.SegmentBits - 1) / CodableOptions.SegmentBits;
        _bits = new int[count];
        _firstBit = new int[count];
        for (int j = 0, start = 0; j < count; j++)
        {
            _bits[j] = b / count + (j < b % count ? 1 : 0);
            _firstBit[j] = start;
            start += _bits[j];
        }
    }

    public int SegmentCount => _bits.Length;

    public int BitsOf(int segment) => _bits[segment];

    public int FirstBitOf(int segment) => _firstBit[segment];

    /// <summary>The segment carried by the position after <paramref name="previous"/>.</summary>
    public int SegmentOf(int previous) =>
        _bits.Length == 1 ? 0 : (int)(((KeyedHash.Absorb(_segmentKey, (uint)previous) >> 32) * (ulong)_bits.Length) >> 32);

    /// <summary>The segment's value in <paramref name="message"/>.</summary>
    public uint ValueOf(ulong message, int segment) => (uint)((message >> _firstBit[segment]) & ((1UL << _bits[segment]) - 1));

    /// <summary>The part of the seed every candidate value shares at a position.</summary>
    public ulong PositionState(int previous, int segment) => KeyedHash.Absorb(KeyedHash.Absorb(_key, (uint)previous), (uint)segment);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong Seed(ulong positionState, uint value) => KeyedHash.Absorb(positionState, value);

    /// <summary>Vanilla-Marking's test: favoured when the hash's top bit is 0 (probability ½).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool VanillaFavoured(ulong seed, int token) => (long)KeyedHash.Absorb(seed, (uint)token) >= 0;
}
