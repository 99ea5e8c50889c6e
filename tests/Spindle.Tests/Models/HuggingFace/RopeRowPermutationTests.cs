using Spindle.Models.HuggingFace;

namespace Spindle.Tests.Models.HuggingFace;

public sealed class RopeRowPermutationTests
{
    private static byte[] RowIds(int rows, int rowBytes)
    {
        var bytes = new byte[rows * rowBytes];
        for (int r = 0; r < rows; r++) bytes.AsSpan(r * rowBytes, rowBytes).Fill((byte)r);
        return bytes;
    }

    /// <summary>llama.cpp's permute: reshape(heads, 2, d/2, …).swapaxes(1, 2): each head's halves are interleaved.</summary>
    [Fact]
    public void Interleaves_the_two_halves_of_each_head()
    {
        var destination = new byte[8 * 3];
        RopeRowPermutation.Apply(RowIds(8, 3), destination, rowCount: 8, rowByteLength: 3, headCount: 2);
        byte[] order = [.. destination.Where((_, i) => i % 3 == 0)];
        Assert.Equal([0, 2, 1, 3, 4, 6, 5, 7], order);
    }

    [Theory]
    [InlineData(16, 1)]
    [InlineData(64, 4)]
    [InlineData(128, 8)]
    public void Source_row_names_where_each_row_came_from(int rows, int heads)
    {
        var destination = new byte[rows * 2];
        RopeRowPermutation.Apply(RowIds(rows, 2), destination, rows, 2, heads);
        for (int r = 0; r < rows; r++) Assert.Equal(RopeRowPermutation.SourceRow(r, rows, heads), destination[r * 2]);
        Assert.Equal(Enumerable.Range(0, rows), Enumerable.Range(0, rows).Select(r => (int)RopeRowPermutation.SourceRow(r, rows, heads)).Order());
    }

    [Fact]
    public void Rows_that_do_not_split_into_even_heads_are_refused()
    {
        Assert.Throws<ArgumentException>(() => RopeRowPermutation.Apply(new byte[6], new byte[6], 6, 1, 2));
        Assert.Throws<ArgumentException>(() => RopeRowPermutation.Apply(new byte[8], new byte[4], 8, 1, 2));
    }
}
