using Spindle.Tokenization;

namespace Spindle.Tests.Tokenization;

/// <summary>The heap is process-wide: measured alone, after the parallel tests, so no other test's objects count.</summary>
[CollectionDefinition(nameof(HeapMeasurementCollection), DisableParallelization = true)]
public sealed class HeapMeasurementCollection;

/// <summary>Streaming tokenization holds a bounded amount of memory whatever the text's length.</summary>
[Collection(nameof(HeapMeasurementCollection))]
public sealed class StreamingMemoryTests
{
    /// <summary>Generates seeded prose of a given length on the fly, so the test itself never holds the text.</summary>
    private sealed class ProseReader(long length, int seed) : TextReader
    {
        private static readonly string[] Words =
        [
            "the", "cat", "sat", "on", "a", "mat", "Once", "upon", "time", "little", "girl", "named", "Lily", "loved", "play",
            "outside", "park", "big", "red", "ball", "She", "wanted", "but", "it", "was", "too", "high", "mom", "said",
        ];

        private readonly Random _random = new(seed);
        private string _pending = "";
        private int _offset;
        private long _remaining = length;

        public override int Read(char[] buffer, int index, int count) => Read(buffer.AsSpan(index, count));

        public override int Read(Span<char> buffer)
        {
            int written = 0;
            while (written < buffer.Length && _remaining > 0)
            {
                if (_offset == _pending.Length)
                {
                    int r = _random.Next(100);
                    _pending = r < 2 ? ".\n\n" : r < 10 ? ", " : r < 14 ? " " + _random.Next(100_000) : " " + Words[_random.Next(Words.Length)];
                    _offset = 0;
                }
                int n = (int)Math.Min(Math.Min(buffer.Length - written, _pending.Length - _offset), _remaining);
                _pending.AsSpan(_offset, n).CopyTo(buffer[written..]);
                written += n;
                _offset += n;
                _remaining -= n;
            }
            return written;
        }
    }

    // 50 M chars (100 MB as UTF-16). The live heap may grow by the encoder's buffers (well under 1 MB), the word caches
    // (bounded: at most 2^18 words of ≤ 256 chars, and prose repeats far fewer) and the tokenizer's lazily built
    // tables; 64 MB is a tenth of what holding the text would take, and far above what the bounded parts need.
    private const long TextChars = 50_000_000;
    private const long MaxLiveGrowthBytes = 64L << 20;

    [Theory]
    [InlineData("vocab/ggml-vocab-gpt-2.gguf")]
    [InlineData("vocab/ggml-vocab-llama-spm.gguf")]
    public void FiftyMillionCharsStreamInBoundedMemory(string name)
    {
        var tokenizer = StreamingEncoderTests.Load(name);
        _ = tokenizer.Encode("warm up the lazily built tables", addSpecial: true);
        long baseline = GC.GetTotalMemory(forceFullCollection: true);
        long maxLive = 0, count = 0;
        var encoder = new StreamingEncoder(tokenizer);
        foreach (int id in encoder.Encode(new ProseReader(TextChars, seed: 7)))
        {
            Assert.True(id >= 0);
            if (++count % 2_000_000 == 0) maxLive = Math.Max(maxLive, GC.GetTotalMemory(forceFullCollection: true) - baseline);
        }
        Assert.Equal(TextChars, encoder.CharsEncoded);
        Assert.Equal(0, encoder.ForcedCuts);
        Assert.True(count > TextChars / 8, $"{count} ids for {TextChars} chars");
        Assert.True(maxLive < MaxLiveGrowthBytes, $"live heap grew by {maxLive >> 20} MB while streaming");
    }
}
