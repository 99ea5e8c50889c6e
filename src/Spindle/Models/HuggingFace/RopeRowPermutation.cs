namespace Spindle.Models.HuggingFace;

/// <summary>
/// The reordering llama.cpp's converter applies to Q and K projections (LlamaModel.permute). Hugging Face's llama
/// rotates the pairs (i, i + d/2) of each head ("rotate_half"); llama.cpp's llama RoPE rotates the pairs (2i, 2i + 1).
/// Moving output row <c>h·d + s·d/2 + i</c> to <c>h·d + 2i + s</c> (s ∈ {0, 1}) makes the second do what the first did;
/// q·k is unchanged because Q and K rows move together. Rows are moved whole, so any element type works.
/// </summary>
public static class RopeRowPermutation
{
    /// <summary>
    /// Copies <paramref name="source"/> (<paramref name="rowCount"/> rows of <paramref name="rowByteLength"/> bytes, in
    /// <paramref name="headCount"/> heads) into <paramref name="destination"/> in llama.cpp's order.
    /// </summary>
    public static void Apply(ReadOnlySpan<byte> source, Span<byte> destination, long rowCount, int rowByteLength, int headCount)
    {
        long byteLength = rowCount * rowByteLength;
        if (source.Length != byteLength || destination.Length != byteLength)
            throw new ArgumentException($"{rowCount} rows of {rowByteLength} bytes need {byteLength} bytes on both sides");
        if (headCount <= 0 || rowCount % (2L * headCount) != 0)
            throw new ArgumentException($"{rowCount} rows do not split into {headCount} heads of an even size");
        int headRows = (int)(rowCount / headCount), half = headRows / 2;
        for (int h = 0; h < headCount; h++)
        {
            for (int s = 0; s < 2; s++)
            {
                for (int i = 0; i < half; i++)
                {
                    long from = (long)h * headRows + s * half + i;
                    long to = (long)h * headRows + 2 * i + s;
                    source.Slice((int)(from * rowByteLength), rowByteLength).CopyTo(destination.Slice((int)(to * rowByteLength), rowByteLength));
                }
            }
        }
    }

    /// <summary>The source row that lands on <paramref name="row"/> (for checks and tests).</summary>
    public static long SourceRow(long row, long rowCount, int headCount)
    {
        long headRows = rowCount / headCount, half = headRows / 2;
        long h = row / headRows, within = row % headRows;
        return h * headRows + (within % 2) * half + within / 2;
    }
}
