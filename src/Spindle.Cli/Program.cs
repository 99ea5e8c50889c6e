using System.Runtime.CompilerServices;
using Spindle.Tensors.Kernels;

namespace Spindle.Cli;

public static class Program
{
    public static int Main(string[] args)
    {
        // Dynamic code is unsupported exactly in the NativeAOT build.
        if (NativeIsaWarning.Message(!RuntimeFeature.IsDynamicCodeSupported, KernelReport.Kernels, CpuIsa.Detected) is { } warning)
            Console.Error.WriteLine(warning);
        return SpindleCommand.Run(args);
    }
}
