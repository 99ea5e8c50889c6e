using BenchmarkDotNet.Attributes;
using Spindle.Tensors.Blocks;
using Spindle.Tensors.Kernels;
namespace Spindle.Bench.Kernels;

/// <summary>
/// Single-thread matrix × vector with K-quant weights, 2048 × 2048 (a small model's attention projection):
/// Q8_K activation rows against every weight row, for one token (decode) and eight (prefill, where MatMul reuses each
/// unpacked weight block for four tokens). Weights come from the reference quantizer on uniform random data;
/// GB/s = weight bytes (Q4_K 2.36 MB, Q6_K 3.44 MB) / time. Min is reported beside Mean because the shared 2-core
/// machine this runs on is heavily contended and the mean mostly measures other processes.
/// </summary>
[MemoryDiagnoser]
[MinColumn]
public class KQuantMatVecBenchmarks
{
    private const int Rows = 2048, RowLength = 2048;

    [Params(GgmlType.Q4_K, GgmlType.Q6_K)]
    public GgmlType Type { get; set; }

    [Params(1, 8)]
    public int Tokens { get; set; }

    [Params("Avx512", "Avx2")]
    public string Tier { get; set; } = "Avx512";

    private KQuantKernel _kernel = null!;
    private byte[] _weights = null!;
    private byte[] _activation = null!;
    private float[] _output = null!;
    private KernelIsa _isa;

    [GlobalSetup]
    public void Setup()
    {
        var rng = new Random(1);
        _isa = Enum.Parse<KernelIsa>(Tier);
        _kernel = (KQuantKernel)WeightKernels.Create(Type, _isa);
        var x = new float[Rows * RowLength];
        for (int i = 0; i < x.Length; i++) x[i] = rng.NextSingle() * 2 - 1;
        _weights = new byte[GgmlTypeInfo.ByteLength(Type, x.Length)];
        if (Type == GgmlType.Q4_K) Q4_KReference.Quantize(x, _weights);
        else Q6_KReference.Quantize(x, _weights);
        int activationBytes = (int)GgmlTypeInfo.ByteLength(GgmlType.Q8_K, RowLength);
        _activation = new byte[Tokens * activationBytes];
        var a = new float[RowLength];
        for (int t = 0; t < Tokens; t++)
        {
            for (int i = 0; i < a.Length; i++) a[i] = rng.NextSingle() * 2 - 1;
            _kernel.PrepareActivation(a, _activation.AsSpan(t * activationBytes, activationBytes));
        }
        _output = new float[Tokens * Rows];
    }

    [Benchmark]
    public void MatMul() => _kernel.MatMul(_weights, Rows, RowLength, _activation, Tokens, _output, Rows);
}
