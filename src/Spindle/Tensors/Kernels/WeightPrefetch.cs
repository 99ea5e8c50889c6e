using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;

namespace Spindle.Tensors.Kernels;

/// <summary>Software prefetch for the one-token (decode) kernels, which stream each core's share of the weights once.</summary>
/// <remarks>
/// One row at a time, decode reads the weights as one sequential stream per core, yet a core alone reached only about
/// 8 GB/s: the hardware prefetcher stops at every 4 KiB page. Asking for the lines 2 KiB ahead made TinyLlama Q4_0
/// decode about 8% faster on 2 cores and on 1 (tg, alternating runs on the Zen 3 EPYC); 512 B was too close, 4 KiB no
/// better. Prefill's four-token paths read weights from L2 (blocked by <see cref="MatMulDriver"/>) and do not prefetch;
/// the tokens left over after groups of four (and Q5_K prefill, which has no four-token AVX2 path) go through the
/// one-token kernels and do.
/// </remarks>
internal static class WeightPrefetch
{
    /// <summary>How far past the block being read the lines are asked for.</summary>
    public const int Distance = 2048;

    /// <summary>Hints the cache lines of <paramref name="bytes"/> bytes at <see cref="Distance"/> past <paramref name="at"/> into L1.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe void Ahead(ref byte at, int bytes)
    {
        // Only a hint: a prefetch never faults (so reading past the last row is harmless), and if the GC moves a
        // managed buffer meanwhile, a wrong line is fetched and nothing else happens.
        byte* ahead = (byte*)Unsafe.AsPointer(ref at) + Distance;
        for (int offset = 0; offset < bytes; offset += 64) Sse.Prefetch0(ahead + offset);
    }
}
