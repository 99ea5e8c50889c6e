using System.Diagnostics;
using static Spindle.Tests.Generation.GenerationTestModels;

namespace Spindle.Tests.Cli;

/// <summary>Runs alone: the chat's timing under tmux must not compete with the rest of the suite for the two cores.</summary>
[CollectionDefinition(nameof(TerminalCollection), DisableParallelization = true)]
public sealed class TerminalCollection;

/// <summary>
/// `spindle chat` in a real terminal: the built CLI runs in a tmux session, keys are sent with send-keys and the screen
/// is read with capture-pane. Ctrl-C during a long reply, right after Enter, or during a long prefill stops only that
/// reply: the REPL takes another question and the conversation (and the cache of what was evaluated) is kept; Ctrl-D
/// exits, also when typed ahead.
/// Needs tmux (.ci/run installs it).
/// </summary>
[Collection(nameof(TerminalCollection))]
public sealed class ChatTerminalTests : IDisposable
{
    private readonly string _session = "spindle-chat-" + Guid.NewGuid().ToString("N")[..8];

    [Fact]
    public void CtrlCStopsTheReplyAndTheChatGoesOn()
    {
        // stories260K never writes an end-of-story token, and with no -n a reply runs until the 8192-token context is
        // full: tens of seconds, so the Ctrl-C always lands inside the reply however fast or busy the machine is.
        StartChat($"chat -m '{Stories260K}' -t 1 --seed 5 -c 8192");

        Tmux("send-keys", "-t", _session, "Once upon a time", "Enter");
        // Interrupt once the reply has visibly started (a few dozen characters after the question).
        WaitFor(s => ReplyAfter(s, "> Once upon a time").Length > 40, "the first reply to start");
        Tmux("send-keys", "-t", _session, "C-c");
        string screen = WaitFor(s => s.Contains("(reply stopped)") && AtPrompt(s), "the reply to stop and a new prompt");
        Assert.False(Exited(), "Ctrl-C ended the process:\n" + screen);

        // The chat goes on: a second question gets a reply, stopped the same way.
        Tmux("send-keys", "-t", _session, "Where did the dog go?", "Enter");
        WaitFor(s => ReplyAfter(s, "> Where did the dog go?").Length > 40, "the second reply to start");
        Tmux("send-keys", "-t", _session, "C-c");
        screen = WaitFor(s => CountOf(s, "(reply stopped)") == 2 && AtPrompt(s), "the second reply to stop and a new prompt");
        Assert.False(Exited(), "Ctrl-C ended the process:\n" + screen);

        // Ctrl-D at once: the screen shows the prompt a moment before the chat is reading again.
        Tmux("send-keys", "-t", _session, "C-d");
        Assert.Equal("0", WaitForExit("Ctrl-D to end the chat"));
    }

    [Fact]
    public void CtrlDTypedDuringAReplyEndsTheChatAfterIt()
    {
        StartChat($"chat -m '{Stories260K}' -t 1 --seed 5 -c 2048 -n 1500");
        Tmux("send-keys", "-t", _session, "Once upon a time", "Enter");
        WaitFor(s => ReplyAfter(s, "> Once upon a time").Length > 0, "the reply to start");
        // Typed ahead while the model writes (or just after it finished): the terminal keeps it for the next read.
        Tmux("send-keys", "-t", _session, "C-d");
        Assert.Equal("0", WaitForExit("Ctrl-D to end the chat"));
        Assert.DoesNotContain("(reply stopped)", Screen());
    }

    [Fact]
    public void CtrlCRightAfterEnterStopsOnlyThatReplyAndKeepsTheConversation()
    {
        // Replies of at most 60 tokens end by themselves, so the screen stays short and every --stats line stays on it.
        StartChat($"chat -m '{Stories260K}' -t 1 --seed 5 -c 8192 -n 60 --stats");

        // Turn 1: a whole reply.
        Tmux("send-keys", "-t", _session, "Once upon a time", "Enter");
        string screen = WaitFor(s => CountOf(s, "reused ") == 1 && AtPrompt(s), "the first reply");

        // Turn 2: Ctrl-C right after Enter, while the prompt is rendered, waits for the model or is evaluated. Before
        // the fix this ended the chat with "internal error (TaskCanceledException)". Should the key beat the line to the
        // chat, it lands at the prompt, which only prints a hint; either way the chat goes on.
        Tmux("send-keys", "-t", _session, "Where did the dog go?", "Enter");
        Tmux("send-keys", "-t", _session, "C-c");
        screen = WaitFor(s => (s.Contains("(reply stopped)") || s.Contains("Ctrl-C again to quit")) && AtPrompt(s), "the second reply to stop");
        Assert.False(Exited(), "Ctrl-C ended the process:\n" + screen);
        Assert.DoesNotContain("internal error", screen);

        // Turn 3: the conversation is still there: its prompt holds the earlier turns, and the cache is reused.
        int statsSoFar = CountOf(screen, "reused ");
        Tmux("send-keys", "-t", _session, "And then?", "Enter");
        screen = WaitFor(s => CountOf(s, "reused ") == statsSoFar + 1 && AtPrompt(s), "the third reply");
        var stats = StatsLines(screen);
        Assert.True(stats[^1].Prompt > stats[0].Prompt + stats[0].Generated, string.Join("\n", stats));
        Assert.True(stats[^1].Reused >= stats[0].Prompt, $"the third turn reused only {stats[^1].Reused} tokens:\n{screen}");
        Assert.DoesNotContain("internal error", screen);

        Tmux("send-keys", "-t", _session, "C-d");
        Assert.Equal("0", WaitForExit("Ctrl-D to end the chat"));
    }

    [Fact]
    public void CtrlCDuringALongPrefillStopsItBetweenMicroBatchesAndKeepsWhatWasDone()
    {
        // A system prompt of about 3,000 tokens: evaluating it (attention over thousands of positions) takes seconds.
        string system = Path.Combine(Path.GetTempPath(), $"spindle-system-{Guid.NewGuid():N}.txt");
        string story = File.ReadAllText(SharedData.PathOf("text", "story.txt")).Replace("\"", "'").Replace("$", "").Replace("`", "'");
        var text = new System.Text.StringBuilder();
        while (text.Length < 6_000) text.Append(story).Append(' ');
        File.WriteAllText(system, text.ToString().ReplaceLineEndings(" "));
        try
        {
            StartChat($"chat -m '{Stories260K}' -t 1 --seed 5 -c 8192 --stats --system \"$(cat '{system}')\"");
            Tmux("send-keys", "-t", _session, "Tell me a story", "Enter");
            Thread.Sleep(300);
            Tmux("send-keys", "-t", _session, "C-c");
            string screen = WaitFor(s => s.Contains("(reply stopped)") && AtPrompt(s), "the prefill to stop");
            Assert.False(Exited(), "Ctrl-C ended the process:\n" + screen);
            var first = StatsLines(screen).Single();
            Assert.True(first.Generated == 0, "the reply had begun: the Ctrl-C did not land in the prefill:\n" + screen);
            Assert.True(first.Prompt > 2000, screen);

            // The next turn starts from the part of the prompt evaluated before the Ctrl-C.
            Tmux("send-keys", "-t", _session, "Once upon a time", "Enter");
            WaitFor(s => ReplyAfter(s, "> Once upon a time").Length > 20, "the next reply to start", TimeSpan.FromSeconds(180));
            Tmux("send-keys", "-t", _session, "C-c");
            screen = WaitFor(s => CountOf(s, "(reply stopped)") == 2 && AtPrompt(s), "the next reply to stop");
            var second = StatsLines(screen)[^1];
            Assert.True(second.Reused > 0 && second.Reused < first.Prompt, $"reused {second.Reused} of {first.Prompt}:\n{screen}");
            Assert.DoesNotContain("internal error", screen);
            Tmux("send-keys", "-t", _session, "C-d");
            Assert.Equal("0", WaitForExit("Ctrl-D to end the chat"));
        }
        finally
        {
            File.Delete(system);
        }
    }

    private sealed record Stats(int Prompt, int Generated, int Reused);

    /// <summary>The --stats lines on the screen, in order.</summary>
    private static List<Stats> StatsLines(string screen)
    {
        var list = new List<Stats>();
        foreach (System.Text.RegularExpressions.Match m in System.Text.RegularExpressions.Regex.Matches(screen,
            @"prompt: (\d+) tokens[^\n]*?generated: (\d+) tokens[^\n]*?reused (\d+) cached"))
            list.Add(new Stats(int.Parse(m.Groups[1].Value), int.Parse(m.Groups[2].Value), int.Parse(m.Groups[3].Value)));
        return list;
    }

    private void StartChat(string arguments)
    {
        string cli = Path.Combine(AppContext.BaseDirectory, "Spindle.Cli.dll");
        Assert.True(File.Exists(cli), $"{cli} not built");
        // The shell prints the chat's exit status: tmux's own #{pane_dead_status} sometimes never arrives. It ignores
        // Ctrl-C with a no-op trap (not with "", which the chat would inherit), so the interrupt reaches only the chat.
        string command = $"trap : INT; dotnet '{cli}' {arguments}; echo \"{ExitMarker}$?]\"";
        Tmux("new-session", "-d", "-s", _session, "-x", "160", "-y", "60", command);
        Tmux("set-option", "-t", _session, "remain-on-exit", "on");
        WaitFor(s => s.Contains("Chatting with") && AtPrompt(s), "the greeting and prompt");
    }

    private const string ExitMarker = "[chat exited with status ";

    /// <summary>Waits for the chat to end and returns its exit status.</summary>
    private string WaitForExit(string what)
    {
        string screen = WaitFor(s => s.Contains(ExitMarker), what);
        int at = screen.IndexOf(ExitMarker, StringComparison.Ordinal) + ExitMarker.Length;
        return screen[at..screen.IndexOf(']', at)];
    }

    private bool Exited() => Screen().Contains(ExitMarker);

    /// <summary>The chat waits for input: the last line on the screen is the bare prompt.</summary>
    private static bool AtPrompt(string screen)
    {
        string trimmed = screen.TrimEnd();
        return trimmed[(trimmed.LastIndexOf('\n') + 1)..] == ">";
    }

    private static string ReplyAfter(string screen, string question)
    {
        int at = screen.LastIndexOf(question, StringComparison.Ordinal);
        return at < 0 ? "" : screen[(at + question.Length)..].Replace("\n", "");
    }

    private static int CountOf(string text, string part) => (text.Length - text.Replace(part, "").Length) / part.Length;

    private string Screen() => Tmux("capture-pane", "-p", "-J", "-S", "-200", "-t", _session);

    private string WaitFor(Func<string, bool> condition, string what, TimeSpan? timeout = null)
    {
        var clock = Stopwatch.StartNew();
        string screen = "";
        while (clock.Elapsed < (timeout ?? TimeSpan.FromSeconds(60)))
        {
            screen = Screen();
            if (condition(screen)) return screen;
            Thread.Sleep(20);
        }
        throw new Xunit.Sdk.XunitException($"timed out waiting for {what}; screen:\n{screen}");
    }

    /// <summary>Runs tmux against this test's own server: a shared one may be shutting down as another test ends.</summary>
    private string Tmux(params string[] args)
    {
        var start = new ProcessStartInfo("tmux") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add("-L");
        start.ArgumentList.Add(_session);
        foreach (var a in args) start.ArgumentList.Add(a);
        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException("tmux is not installed (apt-get install -y tmux; .ci/run does it)", e);
        }
        using (process)
        {
            string output = process.StandardOutput.ReadToEnd();
            string error = process.StandardError.ReadToEnd();
            process.WaitForExit();
            if (process.ExitCode != 0) throw new InvalidOperationException($"tmux {string.Join(' ', args)}: {error}");
            return output;
        }
    }

    public void Dispose()
    {
        try { Tmux("kill-server"); } catch (InvalidOperationException) { }
    }
}
