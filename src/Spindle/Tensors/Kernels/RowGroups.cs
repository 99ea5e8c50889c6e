using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Spindle.Tensors.Kernels;

/// <summary>Steps shared by the kernels that multiply eight interleaved rows per vector (Q8DotKernel.Groups.cs, Q4_KKernel.Groups.cs).</summary>
internal static class RowGroups
{
    /// <summary>Rows per group: one fp32 lane per row in a 256-bit vector.</summary>
    public const int Rows = 8;

    /// <summary>Four activation bytes at <paramref name="offset"/> in every int32 lane, against four quants of each row.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<sbyte> BroadcastQuad(ref byte activations, int offset) =>
        Vector256.Create(Unsafe.ReadUnaligned<int>(ref Unsafe.Add(ref activations, offset))).AsSByte();

    /// <summary>A group's results for one token: the whole vector, or its first <paramref name="rows"/> lanes for a short last group.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Vector256<float> sums, ref float outputRow, int rows)
    {
        if (rows == Rows)
        {
            sums.StoreUnsafe(ref outputRow);
            return;
        }
        for (int r = 0; r < rows; r++) Unsafe.Add(ref outputRow, r) = sums.GetElement(r);
    }
}
