using System.Buffers.Binary;
using System.Diagnostics;
using Spindle.Gguf;

namespace Spindle.Tests.Gguf;

/// <summary>
/// Mutates real files (bit flips, random bytes, smashed count/length/offset fields, truncation, insertion, deletion)
/// and parses each result: it must parse or throw <see cref="GgufFormatException"/>, promptly, and the parse may
/// allocate no more than the file's size plus a small constant (so a lying header cannot make us allocate gigabytes).
/// Seeded: a failure prints the file, seed and case number to reproduce it.
/// </summary>
public class GgufMutationFuzzTests(ITestOutputHelper output)
{
    // Fixed costs of a parse that do not scale with the file: the exception and its stack trace, dictionaries' initial
    // buckets, the header objects. Everything that grows with the file is charged against the file's own bytes.
    private const long AllocationSlackBytes = 32 * 1024;

    public static TheoryData<string, int, int> Files => new()
    {
        // path, seed, mutations
        { "vocab/ggml-vocab-llama-spm.gguf", 1, 8000 },
        { "vocab/ggml-vocab-bert-bge.gguf", 2, 6000 },
        { "vocab/ggml-vocab-gpt-2.gguf", 6, 6000 },
        { "models/stories260K/stories260K.q8_0.gguf", 3, 10000 },
        { "models/tinystories-656K/tinystories-656K.q8_0.gguf", 4, 8000 },
        { "conformance/llama.q2_k.gguf", 5, 6000 },
        { "conformance/phi3.q4_k_m.gguf", 7, 6000 },
    };

    [Theory]
    [MemberData(nameof(Files))]
    public void Mutations_parse_or_throw_GgufFormatException(string relativePath, int seed, int mutations)
    {
        byte[] original = Shrink(SharedData.PathOf(relativePath.Split('/')));
        long headerEnd;
        using (var f = GgufFile.FromMemory(original)) headerEnd = f.Header.DataOffset;
        var fields = HeaderFields.Find(original);
        var rng = new Random(seed);
        int parsed = 0, rejected = 0;
        long maxExcess = long.MinValue;
        var clock = Stopwatch.StartNew();
        for (int i = 0; i < mutations; i++)
        {
            byte[] mutant = Mutate(original, (int)Math.Min(headerEnd, original.Length), fields, rng);
            var caseClock = Stopwatch.StartNew();
            long before = GC.GetAllocatedBytesForCurrentThread();
            string outcome = "parsed";
            GgufFile? accepted = null;
            try
            {
                accepted = GgufFile.FromMemory(mutant);
                parsed++;
            }
            catch (GgufFormatException ex)
            {
                Assert.True(ex.ByteOffset >= 0 && ex.Message.StartsWith("GGUF error at byte ", StringComparison.Ordinal),
                    $"{relativePath} seed {seed} case {i}: message without an offset: {ex.Message}");
                rejected++;
                outcome = ex.Message;
            }
            catch (Exception ex)
            {
                Assert.Fail($"{relativePath} seed {seed} case {i}: {ex.GetType().Name}: {ex.Message}\n{ex.StackTrace}");
            }
            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            maxExcess = Math.Max(maxExcess, allocated - mutant.Length);
            Assert.True(allocated <= mutant.Length + AllocationSlackBytes,
                $"{relativePath} seed {seed} case {i}: parse allocated {allocated} bytes for a {mutant.Length}-byte file ({outcome})");
            Assert.True(caseClock.ElapsedMilliseconds < 2000, $"{relativePath} seed {seed} case {i}: parse took {caseClock.ElapsedMilliseconds} ms");
            if (accepted != null)
            {
                using (accepted) UseEverything(accepted, $"{relativePath} seed {seed} case {i}");
            }
        }
        output.WriteLine($"{relativePath}: {mutations} mutations, {parsed} parsed, {rejected} rejected, " +
                         $"max allocation over file size {maxExcess} B, {clock.ElapsedMilliseconds} ms");
        Assert.True(rejected > mutations / 10, "mutations should mostly break the header");
    }

    [Theory]
    [MemberData(nameof(SharedData.AllGgufFilesData), MemberType = typeof(SharedData))]
    public void Parse_of_every_shared_file_allocates_at_most_its_size(string relativePath)
    {
        byte[] bytes = File.ReadAllBytes(SharedData.PathOf(relativePath));
        using (GgufFile.FromMemory(bytes)) { } // warm up JIT and statics outside the measurement
        long before = GC.GetAllocatedBytesForCurrentThread();
        using (GgufFile.FromMemory(bytes)) { }
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        output.WriteLine($"{relativePath}: {bytes.Length} bytes, parse allocated {allocated}");
        Assert.True(allocated <= bytes.Length + AllocationSlackBytes, $"allocated {allocated} for {bytes.Length}");
    }

    /// <summary>
    /// What a caller does with an accepted file must work: every lazily decoded array decodes (the parser vouched for
    /// its lengths), every tensor's bytes lie inside the buffer, and the file can be written out again.
    /// </summary>
    private static void UseEverything(GgufFile file, string where)
    {
        try
        {
            foreach (string key in file.Metadata.Keys)
            {
                object value = file.Metadata[key].Value;
                if (value is GgufArray array) Touch(array);
            }
            foreach (var t in file.Tensors)
            {
                var data = file.GetTensorData(t);
                if (!data.IsEmpty) _ = data[^1];
            }
            using var sink = new MemoryStream();
            GgufCopy.Write(file, sink);
        }
        catch (Exception ex)
        {
            Assert.Fail($"{where}: accepted file fails on use: {ex.GetType().Name}: {ex.Message}\n{ex.StackTrace}");
        }
    }

    private static void Touch(GgufArray array)
    {
        if (array.Items is GgufArray[] inner) foreach (var a in inner) Touch(a);
    }

    /// <summary>
    /// The file rewritten small but still valid and of the same structure: every metadata array cut to its first 256
    /// elements, only the tensors in the first 32 KiB of data kept. Whole files would spend the run copying megabytes.
    /// </summary>
    private static byte[] Shrink(string path)
    {
        using var source = GgufFile.Open(path);
        var metadata = new GgufMetadata();
        foreach (string key in source.Metadata.Keys)
        {
            var value = source.Metadata[key];
            if (value.Value is GgufArray { Count: > 256 } array)
            {
                var items = Array.CreateInstance(array.Items.GetType().GetElementType()!, 256);
                Array.Copy(array.Items, items, 256);
                value = GgufValue.Array(new GgufArray(array.ElementType, items));
            }
            metadata.Set(key, value);
        }
        var tensors = GgufCopy.TensorsOf(source).Where((t, i) => source.Tensors[i].Offset + source.Tensors[i].ByteLength <= 32 * 1024).ToList();
        using var stream = new MemoryStream();
        GgufCopy.Write(source, stream, metadata, tensors);
        return stream.ToArray();
    }

    private static byte[] Mutate(byte[] original, int headerEnd, IReadOnlyList<(int Offset, int Size)> fields, Random rng)
    {
        // Most mutations land in the header, where the parser looks; a few anywhere.
        int Position(int length) => rng.Next(4) == 0 || headerEnd == 0 ? rng.Next(length) : rng.Next(Math.Min(headerEnd, length));
        byte[] m = (byte[])original.Clone();
        int kind = rng.Next(7);
        int count = 1 + (rng.Next(4) == 0 ? rng.Next(8) : 0);
        for (int k = 0; k < count; k++)
        {
            switch (kind)
            {
                case 0: // bit flip
                {
                    int p = Position(m.Length);
                    m[p] ^= (byte)(1 << rng.Next(8));
                    break;
                }
                case 1: // random byte
                    m[Position(m.Length)] = (byte)rng.Next(256);
                    break;
                case 2: // smash a count, length, type, dimension or offset field
                case 3:
                {
                    var (offset, size) = fields[rng.Next(fields.Count)];
                    if (offset + size > m.Length) break;
                    ulong old = size == 8 ? BinaryPrimitives.ReadUInt64LittleEndian(m.AsSpan(offset)) : BinaryPrimitives.ReadUInt32LittleEndian(m.AsSpan(offset));
                    ulong value = rng.Next(10) switch
                    {
                        0 => 0,
                        1 => ulong.MaxValue,
                        2 => 1UL << 63,
                        3 => 1UL << 32,
                        4 => (ulong)m.Length,
                        5 => old + 1,
                        6 => old - 1,
                        7 => old * 2,
                        8 => (ulong)rng.NextInt64(),
                        _ => (ulong)rng.Next(64),
                    };
                    if (size == 8) BinaryPrimitives.WriteUInt64LittleEndian(m.AsSpan(offset), value);
                    else BinaryPrimitives.WriteUInt32LittleEndian(m.AsSpan(offset), (uint)value);
                    break;
                }
                case 4: // truncation
                    return m.AsSpan(0, Position(m.Length)).ToArray();
                case 5: // insertion
                {
                    int p = Position(m.Length);
                    byte[] extra = new byte[1 + rng.Next(16)];
                    rng.NextBytes(extra);
                    m = [.. m.AsSpan(0, p), .. extra, .. m.AsSpan(p)];
                    break;
                }
                default: // deletion
                {
                    int p = Position(m.Length);
                    int n = Math.Min(1 + rng.Next(16), m.Length - p);
                    m = [.. m.AsSpan(0, p), .. m.AsSpan(p + n)];
                    break;
                }
            }
        }
        return m;
    }

    /// <summary>Offsets of every numeric header field of a valid file, found by walking it independently of the parser.</summary>
    private static class HeaderFields
    {
        public static List<(int Offset, int Size)> Find(byte[] b)
        {
            var fields = new List<(int, int)> { (4, 4), (8, 8), (16, 8) };
            int pos = 24;
            ulong tensorCount = BinaryPrimitives.ReadUInt64LittleEndian(b.AsSpan(8));
            ulong kvCount = BinaryPrimitives.ReadUInt64LittleEndian(b.AsSpan(16));
            for (ulong i = 0; i < kvCount; i++)
            {
                String(b, ref pos, fields);
                uint type = U32(b, ref pos, fields);
                Value(b, type, ref pos, fields, record: true);
            }
            for (ulong i = 0; i < tensorCount; i++)
            {
                String(b, ref pos, fields);
                uint dims = U32(b, ref pos, fields);
                for (uint d = 0; d < dims; d++) U64(b, ref pos, fields);
                U32(b, ref pos, fields);
                U64(b, ref pos, fields);
            }
            return fields;
        }

        private static void Value(byte[] b, uint type, ref int pos, List<(int, int)> fields, bool record)
        {
            switch (type)
            {
                case 0 or 1 or 7: pos += 1; break;
                case 2 or 3: pos += 2; break;
                case 4 or 5 or 6: pos += 4; break;
                case 10 or 11 or 12: pos += 8; break;
                case 8: String(b, ref pos, record ? fields : null); break;
                case 9:
                {
                    uint et = U32(b, ref pos, fields);
                    ulong n = U64(b, ref pos, fields);
                    // Record the lengths of the first few strings only: a 32k vocabulary would drown the other fields.
                    for (ulong i = 0; i < n; i++) Value(b, et, ref pos, fields, record: record && i < 4);
                    break;
                }
                default: throw new InvalidOperationException($"type {type}");
            }
        }

        private static void String(byte[] b, ref int pos, List<(int, int)>? fields)
        {
            ulong n = BinaryPrimitives.ReadUInt64LittleEndian(b.AsSpan(pos));
            fields?.Add((pos, 8));
            pos += 8 + (int)n;
        }

        private static uint U32(byte[] b, ref int pos, List<(int, int)> fields)
        {
            fields.Add((pos, 4));
            uint v = BinaryPrimitives.ReadUInt32LittleEndian(b.AsSpan(pos));
            pos += 4;
            return v;
        }

        private static ulong U64(byte[] b, ref int pos, List<(int, int)> fields)
        {
            fields.Add((pos, 8));
            ulong v = BinaryPrimitives.ReadUInt64LittleEndian(b.AsSpan(pos));
            pos += 8;
            return v;
        }
    }
}
