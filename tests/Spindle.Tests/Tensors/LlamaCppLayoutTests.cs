using Spindle.Gguf;
using Spindle.Tensors.Blocks;
using Spindle.Tensors.Kernels;

namespace Spindle.Tests.Tensors;

/// <summary>
/// Layout and quantizer conformance against llama.cpp's own files: conformance/llama.TYPE.gguf hold the weights of
/// llama.f32.gguf quantized by llama-quantize (no importance matrix).
/// </summary>
public class LlamaCppLayoutTests(ITestOutputHelper output)
{
    public static TheoryData<string, GgmlType, double, double> Files => new()
    {
        // file, type, max relative RMS error of dequantized vs f32, min fraction of blocks our quantizer reproduces
        { "f16", GgmlType.F16, 0.001, 1.0 },
        { "bf16", GgmlType.BF16, 0.005, 1.0 },
        { "q8_0", GgmlType.Q8_0, 0.01, 1.0 },
        { "q4_0", GgmlType.Q4_0, 0.15, 1.0 },
        { "q4_1", GgmlType.Q4_1, 0.15, 1.0 },
        { "q5_0", GgmlType.Q5_0, 0.08, 1.0 },
        { "q5_1", GgmlType.Q5_1, 0.08, 1.0 },
        { "iq4_nl", GgmlType.IQ4_NL, 0.15, 1.0 },
    };

    [Theory]
    [MemberData(nameof(Files))]
    public void DequantizedTensorsMatchF32AndQuantizerReproducesBytes(string name, GgmlType type, double maxRelativeRms, double minIdentical)
    {
        using var f32 = GgufFile.Open(SharedData.PathOf("conformance", "llama.f32.gguf"));
        using var quantized = GgufFile.Open(SharedData.PathOf("conformance", $"llama.{name}.gguf"));
        var kernel = WeightKernels.For(type);
        int tensorsChecked = 0;
        long blocks = 0, identicalBlocks = 0;
        foreach (var tensor in quantized.Tensors)
        {
            if (tensor.Type != type) continue;
            var reference = f32.GetTensor(tensor.Name);
            Assert.Equal(GgmlType.F32, reference.Type);
            Assert.Equal(tensor.ElementCount, reference.ElementCount);
            var expected = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(f32.GetTensorData(reference));
            var data = quantized.GetTensorData(tensor);
            int rowLength = (int)tensor.RowLength;
            int rowBytes = (int)GgmlTypeInfo.ByteLength(type, rowLength);
            int blockBytes = GgmlTypeInfo.BlockByteLength(type);
            var row = new float[rowLength];
            var requantized = new byte[rowBytes];
            double errorSquares = 0, signalSquares = 0;
            for (long r = 0; r < tensor.RowCount; r++)
            {
                var source = expected.Slice((int)(r * rowLength), rowLength);
                var stored = data.Slice((int)(r * rowBytes), rowBytes);
                kernel.DequantizeRow(stored, row);
                for (int i = 0; i < rowLength; i++)
                {
                    double e = row[i] - source[i];
                    errorSquares += e * e;
                    signalSquares += (double)source[i] * source[i];
                }
                if (type is GgmlType.F16 or GgmlType.BF16) kernel.PrepareActivation(source, requantized);
                else Block32Quantizer.QuantizeRow(type, source, requantized);
                for (int b = 0; b < rowBytes / blockBytes; b++)
                {
                    blocks++;
                    if (stored.Slice(b * blockBytes, blockBytes).SequenceEqual(requantized.AsSpan(b * blockBytes, blockBytes))) identicalBlocks++;
                }
            }
            double relativeRms = Math.Sqrt(errorSquares / signalSquares);
            output.WriteLine($"{name} {tensor.Name} {tensor.ShapeText}: relative RMS error {relativeRms:E3}");
            Assert.True(relativeRms < maxRelativeRms, $"{tensor.Name}: relative RMS {relativeRms}");
            tensorsChecked++;
        }
        double identical = (double)identicalBlocks / blocks;
        output.WriteLine($"{name}: {tensorsChecked} tensors, {identicalBlocks}/{blocks} blocks identical to llama.cpp's ({identical:P4})");
        Assert.True(tensorsChecked > 0, $"no {type} tensors in llama.{name}.gguf");
        Assert.True(identical >= minIdentical, $"{name}: only {identical:P4} of blocks identical");
    }
}
