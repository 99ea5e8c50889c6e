using BenchmarkDotNet.Attributes;
using Spindle.Tensors.Blocks;
using Spindle.Tensors.Kernels;
namespace Spindle.Bench.Kernels;

/// <summary>One weight row · one prepared activation row, per type, ISA and row length.</summary>
[MemoryDiagnoser]
[MinColumn]
public class DotBenchmarks
{
    private WeightKernel _kernel = null!;
    private byte[] _row = null!;
    private byte[] _activation = null!;

    public static IEnumerable<GgmlType> Types() => KernelBenchParams.Types();

    public static IEnumerable<KernelIsa> Isas() => KernelBenchParams.Isas();

    public static IEnumerable<int> RowLengths() => KernelBenchParams.RowLengths();

    [ParamsSource(nameof(Types))]
    public GgmlType Type { get; set; }

    [ParamsSource(nameof(Isas))]
    public KernelIsa Isa { get; set; }

    [ParamsSource(nameof(RowLengths))]
    public int RowLength { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _kernel = KernelBenchParams.Create(Type, Isa);
        (_row, _activation) = KernelBenchParams.MakeData(_kernel, 1, RowLength, 1);
    }

    [Benchmark]
    public float Dot() => _kernel.Dot(_row, _activation, RowLength);
}
