using Spindle.Gguf;
using Spindle.Tensors.Blocks;
namespace Spindle.Tests.Gguf;

/// <summary>
/// Seeded random files: every value type at random nesting, random tensor shapes and alignments. Written, read back,
/// compared value by value, then written again from what was read: the second file must equal the first byte for byte.
/// </summary>
public class GgufRandomRoundTripTests
{
    private static readonly GgmlType[] TensorTypes = [GgmlType.F32, GgmlType.F16, GgmlType.BF16, GgmlType.Q8_0, GgmlType.Q4_K, GgmlType.Q6_K, GgmlType.IQ4_NL];

    [Fact]
    public void Random_files_round_trip()
    {
        var rng = new Random(20261122);
        for (int round = 0; round < 200; round++)
        {
            var md = new GgufMetadata();
            int kvCount = rng.Next(0, 12);
            for (int i = 0; i < kvCount; i++) md.Set($"k{i}.{RandomString(rng, 6)}", RandomValue(rng, depth: 0));
            if (rng.Next(3) == 0) md.Set(GgufKeys.Alignment, GgufValue.UInt32(1u << rng.Next(0, 8)));

            var tensors = new List<GgufTensorSource>();
            int tensorCount = rng.Next(0, 6);
            for (int i = 0; i < tensorCount; i++)
            {
                var type = TensorTypes[rng.Next(TensorTypes.Length)];
                long[] dims = new long[rng.Next(1, 5)];
                dims[0] = GgmlTypeInfo.BlockSize(type) * rng.Next(0, 3);
                for (int d = 1; d < dims.Length; d++) dims[d] = rng.Next(1, 4);
                var descriptor = new GgufTensorDescriptor($"t{i}", type, dims);
                byte[] data = new byte[descriptor.ByteLength];
                rng.NextBytes(data);
                tensors.Add(GgufTensorSource.FromBytes(descriptor.Name, type, dims, data));
            }

            byte[] first = Write(md, tensors, version: (uint)rng.Next(2, 4));
            using var file = GgufFile.FromMemory(first);
            Assert.Equal(md.Keys, file.Metadata.Keys);
            foreach (string key in md.Keys) AssertSame(md[key], file.Metadata[key]);
            Assert.Equal(tensors.Count, file.Tensors.Count);
            using (var again = new MemoryStream())
            {
                GgufCopy.Write(file, again);
                Assert.Equal(first, again.ToArray());
            }
        }
    }

    private static byte[] Write(GgufMetadata md, List<GgufTensorSource> tensors, uint version)
    {
        using var stream = new MemoryStream();
        using (var writer = new GgufWriter(stream, leaveOpen: true))
        {
            writer.WriteHeader(md, tensors.Select(t => t.Descriptor).ToList(), version);
            foreach (var t in tensors) t.WriteData(writer);
            writer.Complete();
        }
        return stream.ToArray();
    }

    private static void AssertSame(GgufValue expected, GgufValue actual)
    {
        Assert.Equal(expected.Type, actual.Type);
        AssertSameObject(expected.Value, actual.Value);
    }

    private static void AssertSameObject(object expected, object actual)
    {
        switch (expected)
        {
            case GgufArray e:
                var a = Assert.IsType<GgufArray>(actual);
                Assert.Equal(e.ElementType, a.ElementType);
                Assert.Equal(e.Count, a.Count);
                for (int i = 0; i < e.Count; i++) AssertSameObject(e.Items.GetValue(i)!, a.Items.GetValue(i)!);
                break;
            case float f: Assert.Equal(BitConverter.SingleToInt32Bits(f), BitConverter.SingleToInt32Bits((float)actual)); break;
            case double d: Assert.Equal(BitConverter.DoubleToInt64Bits(d), BitConverter.DoubleToInt64Bits((double)actual)); break;
            default: Assert.Equal(expected, actual); break;
        }
    }

    private static readonly string[] Pieces = ["a", "b", "x", "z", " ", "_", ".", "▁", "é", "ü", "🦙", "\n", "\t", "\""];

    private static string RandomString(Random rng, int maxLength)
    {
        var text = new System.Text.StringBuilder();
        int n = rng.Next(0, maxLength + 1);
        for (int i = 0; i < n; i++) text.Append(Pieces[rng.Next(Pieces.Length)]);
        return text.ToString();
    }

    private static GgufValue RandomValue(Random rng, int depth)
    {
        int kind = rng.Next(depth < 3 ? 13 : 12);
        return kind switch
        {
            0 => GgufValue.UInt8((byte)rng.Next()),
            1 => GgufValue.Int8((sbyte)rng.Next()),
            2 => GgufValue.UInt16((ushort)rng.Next()),
            3 => GgufValue.Int16((short)rng.Next()),
            4 => GgufValue.UInt32((uint)rng.NextInt64()),
            5 => GgufValue.Int32(rng.Next(int.MinValue, int.MaxValue)),
            6 => GgufValue.Float32(BitConverter.Int32BitsToSingle(rng.Next())),
            7 => GgufValue.Bool(rng.Next(2) == 1),
            8 => GgufValue.String(RandomString(rng, 20)),
            9 => GgufValue.UInt64((ulong)rng.NextInt64() * 3),
            10 => GgufValue.Int64(rng.NextInt64(long.MinValue, long.MaxValue)),
            11 => GgufValue.Float64(BitConverter.Int64BitsToDouble(rng.NextInt64())),
            _ => GgufValue.Array(RandomArray(rng, depth + 1)),
        };
    }

    private static GgufArray RandomArray(Random rng, int depth)
    {
        int n = rng.Next(0, 6);
        var sample = RandomValue(rng, depth);
        var type = sample.Type;
        var items = type == GgufValueType.Array ? new GgufArray[n] : Array.CreateInstance(sample.Value.GetType(), n);
        for (int i = 0; i < n; i++)
        {
            GgufValue v = RandomValue(rng, depth);
            while (v.Type != type) v = RandomValue(rng, depth);
            items.SetValue(v.Value, i);
        }
        return new GgufArray(type, items);
    }
}
