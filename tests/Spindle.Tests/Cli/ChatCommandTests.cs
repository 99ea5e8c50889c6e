using static Spindle.Tests.Generation.GenerationTestModels;

namespace Spindle.Tests.Cli;

/// <summary>The chat REPL driven through stdin in-process (the terminal behaviour is in <see cref="ChatTerminalTests"/>).</summary>
public sealed class ChatCommandTests
{
    [Fact]
    public void CommandsAndTurnsWork()
    {
        string input = "/system Tell short stories.\nOnce upon a time\nWhat next?\n/reset\n/bogus\n\n/exit\nnever read\n";
        var r = CliRunner.RunWithInput(input, "chat", "-m", Stories260K, "--temp", "0", "-n", "10", "-t", "1", "--stats");
        Assert.True(r.ExitCode == 0, r.Error);
        Assert.StartsWith("Chatting with", r.Out);
        Assert.Contains("(system prompt set)", r.Out);
        Assert.Contains("(conversation cleared)", r.Out);
        Assert.Contains("unknown command /bogus", r.Out);
        // Two replies, each with stats; the second turn extends the first, so it reuses cached tokens.
        var stats = r.ErrorLines.Where(l => l.StartsWith("prompt:")).ToArray();
        Assert.Equal(2, stats.Length);
        Assert.EndsWith("reused 0 cached prompt tokens", stats[0]);
        int reused = int.Parse(System.Text.RegularExpressions.Regex.Match(stats[1], @"reused (\d+) cached").Groups[1].Value);
        int firstPrompt = int.Parse(System.Text.RegularExpressions.Regex.Match(stats[0], @"^prompt: (\d+) tokens").Groups[1].Value);
        Assert.True(reused >= firstPrompt, $"second turn reused {reused} tokens; the first prompt had {firstPrompt}");
    }

    [Fact]
    public void EndOfInputExits()
    {
        var r = CliRunner.RunWithInput("Once upon a time\n", "chat", "-m", Stories260K, "--temp", "0", "-n", "5", "-t", "1");
        Assert.True(r.ExitCode == 0, r.Error);
        Assert.EndsWith("> \n", r.Out);
    }
}
