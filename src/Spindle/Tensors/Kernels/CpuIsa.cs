using System.Runtime.Intrinsics.X86;

namespace Spindle.Tensors.Kernels;

/// <summary>
/// The kernel tier the CPU itself offers, read from CPUID rather than from <c>Avx2.IsSupported</c>: in a NativeAOT
/// build the IsSupported properties are constants fixed when the executable was compiled, so only CPUID can tell that
/// the machine could run more than the binary uses. Mirrors .NET 10's grouping (the AVX2 tier is x86-64-v3: AVX, AVX2,
/// BMI1, BMI2, F16C, FMA, LZCNT, MOVBE; the AVX-512 tier is F, BW, CD, DQ and VL), so that in a JIT process with no
/// DOTNET_Enable* settings it agrees with <see cref="KernelIsaSupport.Best"/>. It trusts the OS to have enabled the
/// vector state CPUID announces (it cannot read XCR0), so it is for diagnostics only, never to pick a kernel.
/// </summary>
public static class CpuIsa
{
    /// <summary>The best tier this CPU supports (<see cref="KernelIsa.Scalar"/> off x86 or without CPUID).</summary>
    public static KernelIsa Detected { get; } = Detect();

    private static KernelIsa Detect()
    {
        if (!X86Base.IsSupported) return KernelIsa.Scalar;
        int maxLeaf = X86Base.CpuId(0, 0).Eax;
        if (maxLeaf < 7) return KernelIsa.Scalar;
        int leaf1Ecx = X86Base.CpuId(1, 0).Ecx;
        int leaf7Ebx = X86Base.CpuId(7, 0).Ebx;
        int maxExtendedLeaf = X86Base.CpuId(unchecked((int)0x80000000), 0).Eax;
        int extendedEcx = (uint)maxExtendedLeaf >= 0x80000001 ? X86Base.CpuId(unchecked((int)0x80000001), 0).Ecx : 0;
        return Classify(leaf1Ecx, leaf7Ebx, extendedEcx);
    }

    /// <summary>The tier the given CPUID registers describe: leaf 1 ECX, leaf 7 (subleaf 0) EBX, leaf 0x80000001 ECX.</summary>
    public static KernelIsa Classify(int leaf1Ecx, int leaf7Ebx, int extendedEcx)
    {
        bool v3 = Bit(leaf1Ecx, 12) // FMA
            && Bit(leaf1Ecx, 22)    // MOVBE
            && Bit(leaf1Ecx, 27)    // OSXSAVE: the OS saves the vector registers
            && Bit(leaf1Ecx, 28)    // AVX
            && Bit(leaf1Ecx, 29)    // F16C
            && Bit(leaf7Ebx, 3)     // BMI1
            && Bit(leaf7Ebx, 5)     // AVX2
            && Bit(leaf7Ebx, 8)     // BMI2
            && Bit(extendedEcx, 5); // LZCNT
        if (!v3) return KernelIsa.Scalar;
        bool avx512 = Bit(leaf7Ebx, 16) // AVX512F
            && Bit(leaf7Ebx, 17)        // AVX512DQ
            && Bit(leaf7Ebx, 28)        // AVX512CD
            && Bit(leaf7Ebx, 30)        // AVX512BW
            && Bit(leaf7Ebx, 31);       // AVX512VL
        return avx512 ? KernelIsa.Avx512 : KernelIsa.Avx2;
    }

    private static bool Bit(int register, int bit) => (register & (1 << bit)) != 0;
}
