using Spindle.Gguf;
using Spindle.Tensors.Blocks;

namespace Spindle.Tests.Tensors;

/// <summary>
/// Checks the block layouts and reference quantizers against files llama.cpp's own quantizer wrote from
/// conformance/llama.f32.gguf (random weights, no imatrix).
/// </summary>
public sealed class KQuantConformanceTests(ITestOutputHelper output)
{
    public static TheoryData<string> QuantizedFiles() =>
        ["llama.q2_k.gguf", "llama.q3_k_m.gguf", "llama.q4_k_m.gguf", "llama.q5_k_m.gguf", "llama.q6_k.gguf", "llama.iq4_xs.gguf"];

    /// <summary>
    /// Relative RMS error of llama.cpp's quantized tensors against the f32 originals, per type. Gaussian-like random
    /// weights measure at most: Q2_K 0.298, Q3_K 0.153, Q4_K 0.072, Q5_K 0.037, Q6_K 0.018, IQ4_XS 0.077 (every tensor of
    /// every type within ±1% of its type's value). The bounds leave ~20% headroom; a wrong layout or scale unpacking
    /// scrambles weights and gives relative errors near or above 1.
    /// </summary>
    private static double MaxRelativeRms(GgmlType type) => type switch
    {
        GgmlType.Q2_K => 0.36,
        GgmlType.Q3_K => 0.19,
        GgmlType.Q4_K => 0.09,
        GgmlType.Q5_K => 0.045,
        GgmlType.Q6_K => 0.022,
        GgmlType.IQ4_XS => 0.095,
        _ => throw new ArgumentOutOfRangeException(nameof(type)),
    };

    [Theory]
    [MemberData(nameof(QuantizedFiles))]
    public void DequantizedTensorsMatchTheF32Originals(string fileName)
    {
        using var f32 = GgufFile.Open(SharedData.PathOf("conformance", "llama.f32.gguf"));
        using var quantized = GgufFile.Open(SharedData.PathOf("conformance", fileName));
        int checkedTensors = 0;
        foreach (var tensor in quantized.Tensors)
        {
            if (Array.IndexOf(KQuantReferences.WeightTypes, tensor.Type) < 0) continue;
            var original = f32.GetTensor(tensor.Name);
            Assert.Equal(GgmlType.F32, original.Type);
            var expected = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(f32.GetTensorData(original));
            var actual = new float[tensor.ElementCount];
            KQuantReferences.Dequantize(tensor.Type)(quantized.GetTensorData(tensor), actual);
            double rms = KQuantReferences.RelativeRms(actual, expected);
            output.WriteLine($"{tensor.Name} {tensor.Type} relRMS {rms:F4}");
            Assert.True(rms < MaxRelativeRms(tensor.Type), $"{tensor.Name} ({tensor.Type}): relative RMS {rms:F4}");
            checkedTensors++;
        }
        Assert.True(checkedTensors > 0, "no K-quant tensor in " + fileName);
    }

    [Theory]
    [MemberData(nameof(QuantizedFiles))]
    public void ReferenceQuantizerReproducesLlamaCppBytes(string fileName)
    {
        using var f32 = GgufFile.Open(SharedData.PathOf("conformance", "llama.f32.gguf"));
        using var quantized = GgufFile.Open(SharedData.PathOf("conformance", fileName));
        long blocks = 0, identical = 0;
        foreach (var tensor in quantized.Tensors)
        {
            if (Array.IndexOf(KQuantReferences.WeightTypes, tensor.Type) < 0) continue;
            var source = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(f32.GetTensorData(f32.GetTensor(tensor.Name)));
            var expected = quantized.GetTensorData(tensor);
            var actual = new byte[expected.Length];
            KQuantReferences.Quantize(tensor.Type)(source, actual);
            int blockBytes = GgmlTypeInfo.BlockByteLength(tensor.Type);
            long tensorIdentical = 0, tensorBlocks = expected.Length / blockBytes;
            for (int b = 0; b < tensorBlocks; b++)
                if (expected.Slice(b * blockBytes, blockBytes).SequenceEqual(actual.AsSpan(b * blockBytes, blockBytes))) tensorIdentical++;
            output.WriteLine($"{tensor.Name} {tensor.Type}: {tensorIdentical}/{tensorBlocks} blocks identical");
            blocks += tensorBlocks;
            identical += tensorIdentical;
        }
        output.WriteLine($"total {identical}/{blocks} = {(double)identical / blocks:P3}");
        Assert.Equal(blocks, identical);
    }
}
