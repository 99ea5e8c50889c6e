using Spindle.Cli.Commands.BenchServe;

namespace Spindle.Tests.Cli.BenchServe;

public class PromptSynthesizerTests
{
    private static int Words(string text) => text.Split(' ').Length;

    [Fact]
    public void Prompts_are_distinct_and_about_the_asked_length()
    {
        var prompts = new PromptSynthesizer(seed: 7, promptTokens: 32, sharedPrefixTokens: 0, prefixCount: 1);
        var seen = new HashSet<string>();
        for (int i = 0; i < 1000; i++)
        {
            string p = prompts.Prompt(i);
            Assert.True(seen.Add(p), $"prompt {i} repeats");
            Assert.Equal(32, Words(p));
            Assert.StartsWith(i + " ", p); // the index first: prompts differ from their first token or two
            Assert.Equal(-1, prompts.PrefixOf(i));
        }
        Assert.Equal(0, prompts.PrefixCount);
    }

    [Fact]
    public void The_same_seed_gives_the_same_prompts_and_another_seed_others()
    {
        var a = new PromptSynthesizer(1234, 64, 16, 3);
        var b = new PromptSynthesizer(1234, 64, 16, 3);
        var c = new PromptSynthesizer(1235, 64, 16, 3);
        for (int i = 0; i < 20; i++)
        {
            Assert.Equal(a.Prompt(i), b.Prompt(i));
            Assert.NotEqual(a.Prompt(i), c.Prompt(i));
        }
        // Fixed forever, not only within a process: a pinned prompt catches a changed word list or generator.
        Assert.Equal("0 king look road the boy chair friend sky", new PromptSynthesizer(1, 9, 0, 1).Prompt(0));
    }

    [Fact]
    public void Shared_prefixes_rotate_and_are_identical_wherever_used()
    {
        var prompts = new PromptSynthesizer(seed: 3, promptTokens: 40, sharedPrefixTokens: 24, prefixCount: 3);
        Assert.Equal(3, prompts.PrefixCount);
        Assert.NotEqual(prompts.Prefix(0), prompts.Prefix(1));
        Assert.NotEqual(prompts.Prefix(1), prompts.Prefix(2));
        var seen = new HashSet<string>();
        for (int i = 0; i < 30; i++)
        {
            int k = prompts.PrefixOf(i);
            Assert.Equal(i % 3, k);
            string p = prompts.Prompt(i);
            Assert.Equal(24, Words(prompts.Prefix(k)));
            Assert.StartsWith(prompts.Prefix(k) + " " + i + " ", p); // prefix, then the distinct part
            Assert.Equal(40, Words(p));
            Assert.True(seen.Add(p));
        }
    }

    [Fact]
    public void A_prefix_must_leave_room_for_the_distinct_part()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new PromptSynthesizer(1, 16, 16, 1));
        // One word: the index alone.
        Assert.Equal("5", new PromptSynthesizer(1, 1, 0, 1).Prompt(5));
    }
}
