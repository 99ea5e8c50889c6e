using System.Runtime.Intrinsics.X86;

namespace Spindle.Tensors.Kernels;

/// <summary>
/// The instruction set a kernel instance is built for. Each kernel picks its path once, at construction; the shared
/// instances use <see cref="KernelIsaSupport.Best"/>, tests construct one per supported ISA to exercise every path.
/// </summary>
public enum KernelIsa
{
    Scalar,
    Avx2,
    Avx512,
}

internal static class KernelIsaSupport
{
    public static KernelIsa Best { get; } =
        IsSupported(KernelIsa.Avx512) ? KernelIsa.Avx512 : IsSupported(KernelIsa.Avx2) ? KernelIsa.Avx2 : KernelIsa.Scalar;

    /// <summary>
    /// For the Q8-activation integer kernels: AVX2 when available. On this Zen 4 (512-bit ops issued as two 256-bit
    /// halves) the AVX-512 path measured 10–20% slower in matvec, because pairing two unpacked blocks into one zmm
    /// costs more than the wider multiply-add saves (see bench/Spindle.Bench/Kernels/RESULTS.md).
    /// </summary>
    public static KernelIsa BestForInt8Dot { get; } = IsSupported(KernelIsa.Avx2) ? KernelIsa.Avx2 : KernelIsa.Scalar;

    public static bool IsSupported(KernelIsa isa) => isa switch
    {
        KernelIsa.Scalar => true,
        KernelIsa.Avx2 => Avx2.IsSupported && Fma.IsSupported,
        KernelIsa.Avx512 => Avx512F.IsSupported && Avx512BW.IsSupported && Avx2.IsSupported && Fma.IsSupported,
        _ => false,
    };

    public static KernelIsa Require(KernelIsa isa) => IsSupported(isa)
        ? isa
        : throw new PlatformNotSupportedException($"kernel ISA {isa} is not supported on this CPU");
}
