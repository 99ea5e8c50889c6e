using Spindle.Decoding.Speculative;

namespace Spindle.Tests.Decoding.Speculative;

public sealed class RecycledCandidatesTests
{
    private const int Vocabulary = 16;

    /// <summary>A fingerprint as the drafter makes them: mixed, so the table's slot bits differ.</summary>
    private static ulong F(ulong n) => (n * 0x9E3779B97F4A7C15UL) | 1;

    private static float[] LogitsFavouring(params int[] best)
    {
        var logits = new float[Vocabulary];
        for (int i = 0; i < best.Length; i++) logits[best[i]] = 10 - i;
        return logits;
    }

    [Fact]
    public void TheLongestContextSeenBeforeSuppliesTheCandidates()
    {
        var table = new RecycledCandidates(Vocabulary, candidates: 2, order: 3);
        // Token 5 after context (…, 1, 2) was followed by 7 then 3; later, after (…, 4, 2), by 9 then 8.
        table.Record(5, [F(0x21), F(0x121)], LogitsFavouring(7, 3));
        table.Record(5, [F(0x21), F(0x421)], LogitsFavouring(9, 8));

        Assert.Equal([7, 3], table.Row(5, [F(0x21), F(0x121)]).ToArray());
        Assert.Equal([9, 8], table.Row(5, [F(0x21), F(0x421)]).ToArray());
        // An unseen three-token context falls back to the two-token one (last written: 9, 8), an unseen pair to the token's row.
        Assert.Equal([9, 8], table.Row(5, [F(0x21), F(0x999)]).ToArray());
        Assert.Equal([9, 8], table.Row(5, [F(0x33), F(0x999)]).ToArray());
        Assert.Equal([9, 8], table.Row(5, [0UL, 0UL]).ToArray());
    }

    [Fact]
    public void OrderOneIsThePapersTokenByTokenMatrix()
    {
        var table = new RecycledCandidates(Vocabulary, candidates: 3, order: 1);
        table.Record(5, [], LogitsFavouring(7, 3, 1));
        table.Record(6, [], LogitsFavouring(2));
        Assert.Equal(1, table.Order);
        Assert.Equal([7, 3, 1], table.Row(5, [F(0x21)]).ToArray());
        Assert.Equal(2, table.Row(6, []).ToArray()[0]);
        Assert.Equal([-1, -1, -1], table.Row(4, []).ToArray());
    }

    [Fact]
    public void TokensOutsideTheVocabularyAreIgnored()
    {
        var table = new RecycledCandidates(Vocabulary, candidates: 2, order: 2);
        table.Record(Vocabulary, [F(0x21)], LogitsFavouring(1, 2));
        table.Record(-1, [F(0x21)], LogitsFavouring(1, 2));
        Assert.Equal([-1, -1], table.Row(3, [F(0x21)]).ToArray());
    }
}
