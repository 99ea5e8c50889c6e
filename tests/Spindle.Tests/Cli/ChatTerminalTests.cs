using System.Diagnostics;
using static Spindle.Tests.Generation.GenerationTestModels;

namespace Spindle.Tests.Cli;

/// <summary>
/// `spindle chat` in a real terminal: the built CLI runs in a tmux session, keys are sent with send-keys and the screen
/// is read with capture-pane. Ctrl-C during a long reply stops the reply and the REPL takes another question; Ctrl-D exits.
/// Needs tmux (.ci/run installs it).
/// </summary>
public sealed class ChatTerminalTests : IDisposable
{
    private readonly string _session = "spindle-chat-" + Guid.NewGuid().ToString("N")[..8];

    [Fact]
    public void CtrlCStopsTheReplyAndTheChatGoesOn()
    {
        string cli = Path.Combine(AppContext.BaseDirectory, "Spindle.Cli.dll");
        Assert.True(File.Exists(cli), $"{cli} not built");
        // stories260K never writes an end-of-story token, so a reply runs to its token limit. Its own 512-token context
        // can be decoded before the test's Ctrl-C arrives on a fast machine; with an 8192-token context and up to 1000
        // tokens per reply the first reply lasts seconds, long enough to interrupt, and the second still ends in time.
        string command = $"dotnet '{cli}' chat -m '{Stories260K}' -t 1 --seed 5 -c 8192 -n 1000";
        Tmux("new-session", "-d", "-s", _session, "-x", "160", "-y", "60", command);
        Tmux("set-option", "-t", _session, "remain-on-exit", "on");
        WaitFor(s => s.Contains("Chatting with") && AtPrompt(s), "the greeting and prompt");

        Tmux("send-keys", "-t", _session, "Once upon a time", "Enter");
        // Interrupt once the reply has visibly started (a few dozen characters after the question).
        WaitFor(s => ReplyAfter(s, "> Once upon a time").Length > 40, "the first reply to start");
        Tmux("send-keys", "-t", _session, "C-c");
        string screen = WaitFor(s => s.Contains("(reply stopped)") && AtPrompt(s), "the reply to stop and a new prompt");
        Assert.False(PaneDead(), "Ctrl-C ended the process:\n" + screen);

        Tmux("send-keys", "-t", _session, "Where did the dog go?", "Enter");
        screen = WaitFor(s => s.Contains("> Where did the dog go?") && AtPrompt(s),
            "the second reply to finish", TimeSpan.FromSeconds(120));
        string second = ReplyAfter(screen, "> Where did the dog go?");
        Assert.True(second.Trim().Length > 20, "no second reply:\n" + screen);
        Assert.Equal(1, CountOf(screen, "(reply stopped)"));

        Tmux("send-keys", "-t", _session, "C-d");
        // tmux marks the pane dead a moment before it records how the process ended: wait for both.
        WaitFor(_ => PaneDead() && ExitText().Length > 1, "Ctrl-D to end the chat");
        Assert.Equal("status=0 signal=", ExitText());
    }

    /// <summary>The chat waits for input: the last line on the screen is the bare prompt (model text may contain '>').</summary>
    private static bool AtPrompt(string screen)
    {
        string trimmed = screen.TrimEnd();
        int lineStart = trimmed.LastIndexOf('\n') + 1;
        return trimmed[lineStart..] == ">";
    }

    private static string ReplyAfter(string screen, string question)
    {
        int at = screen.LastIndexOf(question, StringComparison.Ordinal);
        return at < 0 ? "" : screen[(at + question.Length)..].Replace("\n", "");
    }

    private static int CountOf(string text, string part) => (text.Length - text.Replace(part, "").Length) / part.Length;

    private string ExitText() => Tmux("display-message", "-p", "-t", _session, "status=#{pane_dead_status} signal=#{pane_dead_signal}").Trim() is var t && t == "status= signal=" ? "" : t;

    private bool PaneDead() => Tmux("display-message", "-p", "-t", _session, "#{pane_dead}").Trim() == "1";

    private string Screen() => Tmux("capture-pane", "-p", "-J", "-S", "-200", "-t", _session);

    private string WaitFor(Func<string, bool> condition, string what, TimeSpan? timeout = null)
    {
        var clock = Stopwatch.StartNew();
        string screen = "";
        while (clock.Elapsed < (timeout ?? TimeSpan.FromSeconds(30)))
        {
            screen = Screen();
            if (condition(screen)) return screen;
            Thread.Sleep(20);
        }
        throw new Xunit.Sdk.XunitException($"timed out waiting for {what}; screen:\n{screen}");
    }

    private static string Tmux(params string[] args)
    {
        var start = new ProcessStartInfo("tmux") { RedirectStandardOutput = true, RedirectStandardError = true };
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
        try { Tmux("kill-session", "-t", _session); } catch (InvalidOperationException) { }
    }
}
