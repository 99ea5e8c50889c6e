using System.Runtime.CompilerServices;

namespace Spindle.Models.Synthetic;

/// <summary>
/// Seeded random weights, row by row: each row's values depend only on (seed, tensor, row), so rows can be made on
/// any thread in any order and the file is the same for any thread count.
/// </summary>
internal static class SyntheticWeights
{
    // sqrt(3): the sum of four U(0,1) has variance 1/3, so this scales it to unit variance.
    private const float UnitVariance = 1.7320508f;
    private const float Inverse16 = 1f / 65536f;

    /// <summary>
    /// Fills <paramref name="destination"/> with approximately normal values of mean 0 and standard deviation
    /// <paramref name="standardDeviation"/>: an Irwin–Hall sum of four 16-bit uniforms per value (bell-shaped, bounded
    /// by ±3.5σ, one generator step per value, far cheaper than Box–Muller over a billion weights).
    /// </summary>
    public static void FillRow(ulong seed, int tensorIndex, long row, float standardDeviation, Span<float> destination)
    {
        ulong state = Mix(seed ^ Mix(((ulong)(uint)tensorIndex << 40) ^ (ulong)row ^ 0x5EED_0F_5A1D1EUL));
        float scale = standardDeviation * UnitVariance * Inverse16;
        for (int i = 0; i < destination.Length; i++)
        {
            ulong r = Next(ref state);
            uint sum = (uint)(r & 0xFFFF) + (uint)((r >> 16) & 0xFFFF) + (uint)((r >> 32) & 0xFFFF) + (uint)(r >> 48);
            destination[i] = ((int)sum - 2 * 65535) * scale;
        }
    }

    // splitmix64: a full-period generator whose output passes BigCrush; one add and a mix per value.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Next(ref ulong state) => Mix(state += 0x9E3779B97F4A7C15UL);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
