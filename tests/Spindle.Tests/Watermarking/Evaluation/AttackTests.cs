using Spindle.Watermarking.Evaluation;

namespace Spindle.Tests.Watermarking.Evaluation;

/// <summary>Token and word attacks: exact edit counts per rate, what each edit keeps, determinism by seed, uniform positions.</summary>
public sealed class AttackTests
{
    private static readonly int[] Pool = [.. Enumerable.Range(3, 500)];

    private static int[] Text(int n) => [.. Enumerable.Range(0, n).Select(i => 1000 + i)]; // outside the pool: edits are visible

    [Theory]
    [InlineData(0.1)]
    [InlineData(0.2)]
    [InlineData(0.3)]
    public void SubstitutionReplacesExactlyTheRateOfTokens(double rate)
    {
        int[] text = Text(200);
        int[] attacked = TokenAttacks.Apply(TokenAttack.Substitution, text, rate, Pool, 7);
        Assert.Equal(200, attacked.Length);
        int changed = 0;
        for (int i = 0; i < 200; i++)
            if (attacked[i] != text[i])
            {
                changed++;
                Assert.Contains(attacked[i], Pool);
            }
        Assert.Equal((int)Math.Round(rate * 200), changed);
    }

    [Fact]
    public void SubstitutionNeverPutsBackTheSameToken()
    {
        int[] text = [5, 6, 5, 6, 5, 6, 5, 6, 5, 6];
        int[] attacked = TokenAttacks.Apply(TokenAttack.Substitution, text, 1.0, [5, 6], 3);
        Assert.Equal([6, 5, 6, 5, 6, 5, 6, 5, 6, 5], attacked);
    }

    [Theory]
    [InlineData(0.1)]
    [InlineData(0.3)]
    public void DeletionKeepsTheRestInOrder(double rate)
    {
        int[] text = Text(200);
        int[] attacked = TokenAttacks.Apply(TokenAttack.Deletion, text, rate, [], 11);
        Assert.Equal(200 - (int)Math.Round(rate * 200), attacked.Length);
        Assert.True(IsSubsequence(attacked, text));
    }

    [Theory]
    [InlineData(0.1)]
    [InlineData(0.3)]
    public void InsertionKeepsTheOriginalInOrder(double rate)
    {
        int[] text = Text(200);
        int[] attacked = TokenAttacks.Apply(TokenAttack.Insertion, text, rate, Pool, 13);
        int k = (int)Math.Round(rate * 200);
        Assert.Equal(200 + k, attacked.Length);
        Assert.True(IsSubsequence(text, attacked));
        Assert.Equal(k, attacked.Count(Pool.Contains));
    }

    [Theory]
    [InlineData(TokenAttack.Substitution)]
    [InlineData(TokenAttack.Deletion)]
    [InlineData(TokenAttack.Insertion)]
    public void TheSeedDecidesTheEdits(TokenAttack attack)
    {
        int[] text = Text(100);
        Assert.Equal(TokenAttacks.Apply(attack, text, 0.2, Pool, 42), TokenAttacks.Apply(attack, text, 0.2, Pool, 42));
        Assert.NotEqual(TokenAttacks.Apply(attack, text, 0.2, Pool, 42), TokenAttacks.Apply(attack, text, 0.2, Pool, 43));
        Assert.Equal(text, TokenAttacks.Apply(attack, text, 0, Pool, 42));
        Assert.Throws<ArgumentOutOfRangeException>(() => TokenAttacks.Apply(attack, text, 1.5, Pool, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => TokenAttacks.Apply(attack, text, double.NaN, Pool, 1));
        Assert.Empty(TokenAttacks.Apply(attack, [], 0.3, Pool, 1));
    }

    [Fact]
    public void EditedPositionsAreUniform()
    {
        // 10 tokens, 3 substituted, 20,000 seeds: each position is hit with probability 0.3 (σ ≈ 0.0032).
        var hits = new int[10];
        int[] text = Text(10);
        for (ulong seed = 0; seed < 20_000; seed++)
        {
            int[] attacked = TokenAttacks.Apply(TokenAttack.Substitution, text, 0.3, Pool, seed);
            for (int i = 0; i < 10; i++)
                if (attacked[i] != text[i]) hits[i]++;
        }
        foreach (int h in hits) Assert.InRange(h / 20_000.0, 0.285, 0.315);
    }

    [Fact]
    public void WordAttackReplacesTheRateOfWordsAndKeepsTheSpacing()
    {
        string text = "The little dog ran to the park.\nHe saw a big red ball  and   played with it all day long.";
        var words = WordAttack.Words(text);
        Assert.Equal(20, words.Count);
        string[] pool = ["apple", "river", "green", "sleepy"];
        string attacked = WordAttack.ReplaceWords(text, 0.2, pool, 9);
        Assert.Equal(attacked, WordAttack.ReplaceWords(text, 0.2, pool, 9));
        Assert.NotEqual(attacked, WordAttack.ReplaceWords(text, 0.2, pool, 10));
        var after = WordAttack.Words(attacked);
        Assert.Equal(20, after.Count);
        int changed = 0;
        for (int i = 0; i < words.Count; i++)
        {
            string before = text.Substring(words[i].Start, words[i].Length), now = attacked.Substring(after[i].Start, after[i].Length);
            if (before != now)
            {
                changed++;
                Assert.Contains(now, pool);
            }
        }
        Assert.Equal(4, changed); // round(0.2 · 20) = 4
        // The whitespace between words is kept as it was.
        Assert.Equal(Whitespace(text), Whitespace(attacked));
        Assert.Equal(text, WordAttack.ReplaceWords(text, 0, pool, 9));
        Assert.Equal(["a", "b", "a"], WordAttack.Pool(["a b", " a\n"]));
    }

    private static string Whitespace(string s) => string.Concat(s.Where(char.IsWhiteSpace));

    private static bool IsSubsequence(int[] sub, int[] of)
    {
        int j = 0;
        foreach (int t in of)
            if (j < sub.Length && sub[j] == t) j++;
        return j == sub.Length;
    }
}
