using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Spindle.Tensors.Kernels;

/// <summary>
/// Two 256-bit halves as one 512-bit vector. <c>Vector512.Create(lower, upper)</c> compiles (.NET 10) to inserts into a
/// stack temporary that is stored back every loop iteration, a store-to-load dependency that serialises the loop;
/// inserting the upper half into the lower one stays in registers.
/// </summary>
internal static class VectorJoin
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Join<T>(Vector256<T> lower, Vector256<T> upper) =>
        Avx512F.InsertVector256(lower.AsUInt64().ToVector512Unsafe(), upper.AsUInt64(), 1).As<ulong, T>();
}
