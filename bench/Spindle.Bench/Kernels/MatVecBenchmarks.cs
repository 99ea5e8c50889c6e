using BenchmarkDotNet.Attributes;
using Spindle.Tensors.Blocks;
using Spindle.Tensors.Kernels;
namespace Spindle.Bench.Kernels;

/// <summary>
/// Matrix × one activation row (decode) and × 16 rows (prefill, reusing each weight block for 4 tokens at a time),
/// single-threaded, in the layout a loaded model uses (interleaved for kernels that have one: Q4_0, Q8_0, Q4_K).
/// Weights read per call = Rows × GgmlTypeInfo.ByteLength(Type, RowLength); GB/s = that / time.
/// </summary>
[MemoryDiagnoser]
[MinColumn]
public class MatVecBenchmarks
{
    private const int PrefillTokens = 16;

    private WeightKernel _kernel = null!;
    private byte[] _weights = null!;
    private byte[] _activations = null!;
    private float[] _output = null!;
    private int _rows;
    private int _rowLength;

    public static IEnumerable<GgmlType> Types() => KernelBenchParams.Types();

    public static IEnumerable<KernelIsa> Isas() => KernelBenchParams.Isas();

    public static IEnumerable<string> Shapes() => KernelBenchParams.Shapes();

    [ParamsSource(nameof(Types))]
    public GgmlType Type { get; set; }

    [ParamsSource(nameof(Isas))]
    public KernelIsa Isa { get; set; }

    /// <summary>rows × row length.</summary>
    [ParamsSource(nameof(Shapes))]
    public string Shape { get; set; } = "";

    [GlobalSetup]
    public void Setup()
    {
        var parts = Shape.Split('x');
        _rows = int.Parse(parts[0]);
        _rowLength = int.Parse(parts[1]);
        _kernel = KernelBenchParams.Create(Type, Isa);
        (_weights, _activations) = KernelBenchParams.MakeData(_kernel, _rows, _rowLength, PrefillTokens);
        _output = new float[PrefillTokens * _rows];
        if (_kernel.InterleavedRows > 0)
        {
            _groups = new byte[_kernel.InterleavedByteLength(_rows, _rowLength)];
            _kernel.Interleave(_weights, _rows, _rowLength, _groups);
        }
    }

    private byte[]? _groups;

    private void Multiply(int tokens)
    {
        if (_groups is null) _kernel.MatMul(_weights, _rows, _rowLength, _activations, tokens, _output, _rows);
        else _kernel.MatMulInterleaved(_groups, _rows, _rowLength, _activations, tokens, _output, _rows, default);
    }

    [Benchmark]
    public void Decode() => Multiply(1);

    [Benchmark(OperationsPerInvoke = PrefillTokens)]
    public void PrefillPerToken() => Multiply(PrefillTokens);
}
