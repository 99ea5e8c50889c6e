using Spindle.Tensors.Kernels;

namespace Spindle.Tests;

/// <summary>
/// A test of one instruction-set path reports skipped, not passed, on a CPU (or a DOTNET_Enable* setting) without that
/// instruction set: an AVX-512 row that ran nothing must not count as AVX-512 coverage in the summary.
/// </summary>
internal static class IsaRequirement
{
    public static void SkipUnless(KernelIsa isa) =>
        Assert.SkipUnless(KernelIsaSupport.IsSupported(isa), $"this CPU has no {isa} path ({Needs(isa)} not supported)");

    private static string Needs(KernelIsa isa) => isa switch
    {
        KernelIsa.Avx512 => "AVX-512 F+BW with AVX2+FMA",
        KernelIsa.Avx2 => "AVX2+FMA",
        _ => isa.ToString(),
    };
}
