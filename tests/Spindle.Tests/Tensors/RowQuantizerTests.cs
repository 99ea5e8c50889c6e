using System.Runtime.InteropServices;
using Spindle.Tensors.Blocks;
using Spindle.Tensors.Kernels;
namespace Spindle.Tests.Tensors;

public class RowQuantizerTests
{
    [Theory]
    [InlineData(1.0f, (ushort)0x3F80)]
    [InlineData(1.00390625f, (ushort)0x3F80)]            // exactly halfway, low bit 0: stays (ties to even)
    [InlineData(1.01171875f, (ushort)0x3F82)]            // halfway between 0x3F81 and 0x3F82: goes to even 0x3F82
    [InlineData(1.0039064f, (ushort)0x3F81)]             // just above halfway rounds up
    [InlineData(-2.5f, (ushort)0xC020)]
    [InlineData(float.PositiveInfinity, (ushort)0x7F80)]
    [InlineData(3.4028235e38f, (ushort)0x7F80)]          // max float rounds to infinity, as GGML_FP32_TO_BF16
    public void BF16_rounds_to_nearest_even(float value, ushort expected)
    {
        var bytes = new byte[2];
        RowQuantizer.QuantizeRow(GgmlType.BF16, [value], bytes);
        Assert.Equal(expected, BitConverter.ToUInt16(bytes));
    }

    [Fact]
    public void BF16_NaN_stays_NaN_and_quiet()
    {
        var bytes = new byte[4];
        float signalling = BitConverter.UInt32BitsToSingle(0xFF800001); // payload only in the low bits
        RowQuantizer.QuantizeRow(GgmlType.BF16, [float.NaN, signalling], bytes);
        var bits = MemoryMarshal.Cast<byte, ushort>(bytes);
        Assert.Equal(0x0040, bits[1] & 0x0040);
        Assert.Equal(0xFFC0, bits[1]);
        Assert.True(float.IsNaN(BitConverter.UInt32BitsToSingle((uint)bits[0] << 16)));
    }

    [Theory]
    [InlineData(1.0f, (ushort)0x3C00)]
    [InlineData(1.00048828125f, (ushort)0x3C00)]         // halfway, ties to even
    [InlineData(1.00146484375f, (ushort)0x3C02)]         // halfway between 0x3C01 and 0x3C02
    [InlineData(65520f, (ushort)0x7C00)]                 // rounds past the largest half: infinity
    [InlineData(5.9604645e-8f, (ushort)0x0001)]          // smallest subnormal
    [InlineData(2.9802322e-8f, (ushort)0x0000)]          // half the smallest subnormal: ties to even zero
    public void F16_rounds_to_nearest_even(float value, ushort expected)
    {
        var bytes = new byte[2];
        RowQuantizer.QuantizeRow(GgmlType.F16, [value], bytes);
        Assert.Equal(expected, BitConverter.ToUInt16(bytes));
    }

    [Theory]
    [InlineData(GgmlType.Q8_0)]
    [InlineData(GgmlType.Q4_0)]
    [InlineData(GgmlType.IQ4_NL)]
    [InlineData(GgmlType.Q4_K)]
    [InlineData(GgmlType.Q6_K)]
    [InlineData(GgmlType.IQ4_XS)]
    public void Dispatches_to_the_reference_quantizer(GgmlType type)
    {
        var source = new float[512];
        var random = new Random(5);
        for (int i = 0; i < source.Length; i++) source[i] = (float)(random.NextDouble() - 0.5);
        var actual = new byte[GgmlTypeInfo.ByteLength(type, source.Length)];
        var expected = new byte[actual.Length];
        RowQuantizer.QuantizeRow(type, source, actual);
        switch (type)
        {
            case GgmlType.Q4_K: Q4_KReference.Quantize(source, expected); break;
            case GgmlType.Q6_K: Q6_KReference.Quantize(source, expected); break;
            case GgmlType.IQ4_XS: IQ4_XSReference.Quantize(source, expected); break;
            default: Block32Quantizer.QuantizeRow(type, source, expected); break;
        }
        Assert.Equal(expected, actual);
        // And the bytes decode back close to the input.
        var back = new float[source.Length];
        WeightKernels.For(type).DequantizeRow(actual, back);
        for (int i = 0; i < source.Length; i++) Assert.InRange(back[i] - source[i], -0.1f, 0.1f);
    }

    [Fact]
    public void F32_is_a_copy()
    {
        float[] source = [1.5f, -0f, float.NaN, 3e-40f];
        var bytes = new byte[16];
        RowQuantizer.QuantizeRow(GgmlType.F32, source, bytes);
        Assert.Equal(MemoryMarshal.AsBytes(source.AsSpan()).ToArray(), bytes);
    }

    [Theory]
    [InlineData(GgmlType.Q8_1)]
    [InlineData(GgmlType.Q8_K)]
    [InlineData(GgmlType.IQ2_XXS)]
    [InlineData(GgmlType.I32)]
    public void Unsupported_targets_are_refused(GgmlType type)
    {
        var ex = Assert.Throws<NotSupportedException>(() => RowQuantizer.QuantizeRow(type, new float[256], new byte[4096]));
        Assert.Contains("cannot quantize", ex.Message);
    }

    [Fact]
    public void Wrong_lengths_are_refused()
    {
        Assert.Throws<ArgumentException>(() => RowQuantizer.QuantizeRow(GgmlType.Q4_0, new float[48], new byte[36]));
        Assert.Throws<ArgumentException>(() => RowQuantizer.QuantizeRow(GgmlType.Q4_0, new float[32], new byte[19]));
    }
}
