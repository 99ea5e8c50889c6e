using System.Runtime.CompilerServices;
using Spindle.Tensors.Blocks;
using Spindle.Tensors.Kernels;
namespace Spindle.Tests.Tensors;

public class BlockLayoutTests
{
    [Fact]
    public void BlockSizesMatchGgmlCommon()
    {
        Assert.Equal(18, Unsafe.SizeOf<BlockQ4_0>());
        Assert.Equal(20, Unsafe.SizeOf<BlockQ4_1>());
        Assert.Equal(22, Unsafe.SizeOf<BlockQ5_0>());
        Assert.Equal(24, Unsafe.SizeOf<BlockQ5_1>());
        Assert.Equal(34, Unsafe.SizeOf<BlockQ8_0>());
        Assert.Equal(36, Unsafe.SizeOf<BlockQ8_1>());
        Assert.Equal(18, Unsafe.SizeOf<BlockIQ4_NL>());
    }

    [Fact]
    public void BlockSizesAgreeWithTypeTable()
    {
        Assert.Equal(GgmlTypeInfo.BlockByteLength(GgmlType.Q4_0), Unsafe.SizeOf<BlockQ4_0>());
        Assert.Equal(GgmlTypeInfo.BlockByteLength(GgmlType.Q4_1), Unsafe.SizeOf<BlockQ4_1>());
        Assert.Equal(GgmlTypeInfo.BlockByteLength(GgmlType.Q5_0), Unsafe.SizeOf<BlockQ5_0>());
        Assert.Equal(GgmlTypeInfo.BlockByteLength(GgmlType.Q5_1), Unsafe.SizeOf<BlockQ5_1>());
        Assert.Equal(GgmlTypeInfo.BlockByteLength(GgmlType.Q8_0), Unsafe.SizeOf<BlockQ8_0>());
        Assert.Equal(GgmlTypeInfo.BlockByteLength(GgmlType.Q8_1), Unsafe.SizeOf<BlockQ8_1>());
        Assert.Equal(GgmlTypeInfo.BlockByteLength(GgmlType.IQ4_NL), Unsafe.SizeOf<BlockIQ4_NL>());
    }

    [Fact]
    public void EveryKernelTypeIsRegistered()
    {
        foreach (var type in KernelTestData.Q8DotTypes.Concat(KernelTestData.HalfTypes))
            Assert.Equal(type, WeightKernels.For(type).Type);
        Assert.Equal(GgmlType.Q8_1, WeightKernels.For(GgmlType.Q4_1).ActivationType);
        Assert.Equal(GgmlType.Q8_1, WeightKernels.For(GgmlType.Q5_1).ActivationType);
        Assert.Equal(GgmlType.Q8_0, WeightKernels.For(GgmlType.IQ4_NL).ActivationType);
        Assert.Equal(GgmlType.F16, WeightKernels.For(GgmlType.F16).ActivationType);
        Assert.Equal(GgmlType.BF16, WeightKernels.For(GgmlType.BF16).ActivationType);
    }

    [Fact]
    public void Q4_0LowNibblesAreTheFirstHalfOfTheBlock()
    {
        // d = 1 (0x3C00), byte 0 = 0xF1: element 0 = 1 - 8, element 16 = 15 - 8.
        byte[] block = new byte[18];
        block[0] = 0x00; block[1] = 0x3C;
        for (int j = 0; j < 16; j++) block[2 + j] = 0x88;
        block[2] = 0xF1;
        var values = new float[32];
        Block32Quantizer.DequantizeRow(GgmlType.Q4_0, block, values);
        Assert.Equal(-7f, values[0]);
        Assert.Equal(7f, values[16]);
        Assert.Equal(0f, values[1]);
    }

    [Fact]
    public void Q5_0HighBitOfElementJIsBitJOfQh()
    {
        // d = 1, all nibbles 0, qh = bit 0 and bit 17 set: elements 0 and 17 are 16 - 16 = 0, the rest -16.
        byte[] block = new byte[22];
        block[1] = 0x3C;
        uint qh = (1u << 0) | (1u << 17);
        BitConverter.TryWriteBytes(block.AsSpan(2, 4), qh);
        var values = new float[32];
        Block32Quantizer.DequantizeRow(GgmlType.Q5_0, block, values);
        for (int j = 0; j < 32; j++) Assert.Equal(j is 0 or 17 ? 0f : -16f, values[j]);
    }
}
