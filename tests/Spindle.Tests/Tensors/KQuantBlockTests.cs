using System.Runtime.CompilerServices;
using Spindle.Tensors.Blocks;
using Spindle.Tensors.Kernels;
namespace Spindle.Tests.Tensors;

public sealed class KQuantBlockTests
{
    [Fact]
    public void BlockSizesMatchGgml()
    {
        Assert.Equal(84, Unsafe.SizeOf<BlockQ2_K>());
        Assert.Equal(110, Unsafe.SizeOf<BlockQ3_K>());
        Assert.Equal(144, Unsafe.SizeOf<BlockQ4_K>());
        Assert.Equal(176, Unsafe.SizeOf<BlockQ5_K>());
        Assert.Equal(210, Unsafe.SizeOf<BlockQ6_K>());
        Assert.Equal(292, Unsafe.SizeOf<BlockQ8_K>());
        Assert.Equal(136, Unsafe.SizeOf<BlockIQ4_XS>());
        foreach (var t in KQuantReferences.WeightTypes)
            Assert.Equal(GgmlTypeInfo.BlockByteLength(t), t switch
            {
                GgmlType.Q2_K => BlockQ2_K.ByteLength,
                GgmlType.Q3_K => BlockQ3_K.ByteLength,
                GgmlType.Q4_K => BlockQ4_K.ByteLength,
                GgmlType.Q5_K => BlockQ5_K.ByteLength,
                GgmlType.Q6_K => BlockQ6_K.ByteLength,
                _ => BlockIQ4_XS.ByteLength,
            });
    }

    [Fact]
    public void PackedScalesAndMinsUnpackLikeGetScaleMinK4()
    {
        var rng = new Random(3);
        var packed = new byte[12];
        for (int trial = 0; trial < 200; trial++)
        {
            rng.NextBytes(packed);
            KQuantMath.UnpackScalesMinsK4(ref packed[0], out ulong scales, out ulong mins);
            for (int j = 0; j < 8; j++)
            {
                KQuantMath.GetScaleMinK4(j, packed, out int s, out int m);
                Assert.Equal(s, (int)(byte)(scales >> (8 * j)));
                Assert.Equal(m, (int)(byte)(mins >> (8 * j)));
            }
        }
    }

    [Fact]
    public void NearestIntRoundsHalfToEven()
    {
        Assert.Equal(2, KQuantMath.NearestInt(2.5f));
        Assert.Equal(4, KQuantMath.NearestInt(3.5f));
        Assert.Equal(-2, KQuantMath.NearestInt(-2.5f));
        Assert.Equal(-3, KQuantMath.NearestInt(-2.6f));
        Assert.Equal(0, KQuantMath.NearestInt(0.49f));
    }

    [Fact]
    public void Q8_KStoresSumsOfEach16Quants()
    {
        var x = KQuantKernelTests.RandomFloats(512, new Random(11));
        var bytes = new byte[2 * BlockQ8_K.ByteLength];
        Q8_KReference.Quantize(x, bytes);
        var blocks = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, BlockQ8_K>(bytes);
        foreach (ref readonly var b in blocks)
        {
            for (int j = 0; j < 16; j++)
            {
                int sum = 0;
                for (int l = 0; l < 16; l++) sum += b.Qs[16 * j + l];
                Assert.Equal(sum, b.BSums[j]);
            }
            int maxAbs = 0;
            for (int l = 0; l < 256; l++) maxAbs = Math.Max(maxAbs, Math.Abs((int)b.Qs[l]));
            Assert.Equal(127, maxAbs);
        }
        var back = new float[512];
        Q8_KReference.Dequantize(bytes, back);
        Assert.True(KQuantReferences.RelativeRms(back, x) < 0.01);
    }

    [Fact]
    public void ZeroInputQuantizesToZeroBlocks()
    {
        var zeros = new float[256];
        foreach (var t in KQuantReferences.WeightTypes)
        {
            var q = new byte[GgmlTypeInfo.BlockByteLength(t)];
            KQuantReferences.Quantize(t)(zeros, q);
            var back = new float[256];
            KQuantReferences.Dequantize(t)(q, back);
            Assert.All(back, v => Assert.Equal(0f, v));
        }
    }
}

public sealed class KQuantHalfTests
{
    [Fact]
    public void HalfToSingleMatchesHalfConversionForEveryBitPattern()
    {
        for (int bits = 0; bits < 65536; bits++)
        {
            float expected = (float)BitConverter.UInt16BitsToHalf((ushort)bits);
            float actual = KQuantMath.HalfToSingle((ushort)bits);
            Assert.Equal(BitConverter.SingleToInt32Bits(expected), BitConverter.SingleToInt32Bits(actual));
        }
    }
}
