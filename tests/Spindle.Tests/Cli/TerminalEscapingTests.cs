using System.Text.Json;
using Spindle.Cli;
using Spindle.Gguf;

namespace Spindle.Tests.Cli;

/// <summary>
/// Strings from a file or a model cannot drive the terminal: escape sequences in GGUF metadata come out of `inspect` and
/// the `chat` banner as visible escapes, `--json` keeps them exact (escaped the JSON way), and generated text is exact
/// to a pipe but escaped on a terminal.
/// </summary>
public class TerminalEscapingTests
{
    /// <summary>Clear screen, home, red, a window title (OSC ... BEL), the one-byte CSI (U+009B), DEL, a bidi override.</summary>
    private const string Hostile = "Evil\u001b[2J\u001b[H\u001b[31mRed\u001b]0;pwned\u0007\u009b2J\u007f\u202Eabc";

    /// <summary>
    /// No character a terminal acts on: nothing below U+0020 but line feeds, no DEL or C1, and (unless
    /// <paramref name="json"/>) no bidi controls. JSON output escapes the control characters and keeps other text as it
    /// is: a bidi override reorders how a line looks but cannot act on the terminal, and the value must stay exact.
    /// </summary>
    private static void AssertTerminalSafe(string text, bool json = false)
    {
        foreach (char c in text)
        {
            bool control = (c < 0x20 && c != '\n') || c is >= '\u007f' and <= '\u009f' || (!json && c is >= '\u202a' and <= '\u202e');
            Assert.False(control, $"U+{(int)c:X4} reached the output:\n{text}");
        }
    }

    [Theory]
    [InlineData("plain text", "plain text")]
    [InlineData("a\u001b[2Jb", "a\\x1b[2Jb")]
    [InlineData("\u001b]0;title\u0007", "\\x1b]0;title\\x07")]
    [InlineData("csi\u009b31m", "csi\\x9b31m")]
    [InlineData("del\u007f", "del\\x7f")]
    [InlineData("line\nbreak\ttab\rreturn", "line\\nbreak\\ttab\\rreturn")]
    [InlineData("bidi\u202Eevil", "bidi\\u202eevil")]
    [InlineData("emoji 😀 stays", "emoji 😀 stays")]
    [InlineData("C:\\path\\x", "C:\\path\\x")]
    public void EscapeShowsEveryControlCharacter(string input, string expected) => Assert.Equal(expected, TerminalText.Escape(input));

    [Fact]
    public void LoneSurrogatesAreEscapedAndPairsKept()
    {
        // Not in InlineData: a lone surrogate does not survive the test runner's serialization.
        Assert.Equal("lone\\ud800surrogate", TerminalText.Escape("lone\uD800surrogate"));
        Assert.Equal("end\\udc00", TerminalText.Escape("end\uDC00"));
        Assert.Equal("high\\ud83d", TerminalText.Escape("high\uD83D"));
        Assert.Equal("pair \uD83D\uDE00", TerminalText.Escape("pair \uD83D\uDE00"));
    }

    [Fact]
    public void RunningTextKeepsLineFeedsAndTabsOnly()
    {
        Assert.Equal("one\ntwo\tthree\\rfour\\x1b[2J", TerminalText.EscapeKeepingLines("one\ntwo\tthree\rfour\u001b[2J"));
        Assert.Same("ordinary\ntext", TerminalText.EscapeKeepingLines("ordinary\ntext"));
    }

    [Fact]
    public void EveryCharacterOfTheBasicPlaneIsEitherSafeOrEscaped()
    {
        // Property over all of the BMP: the escaped form of any character holds nothing a terminal acts on.
        for (int c = 0; c <= 0xFFFF; c++)
        {
            string escaped = TerminalText.Escape(((char)c).ToString());
            foreach (char e in escaped)
                Assert.False(e < 0x20 || e is >= '\u007f' and <= '\u009f' || char.IsSurrogate(e) || e is >= '\u202a' and <= '\u202e' or >= '\u2066' and <= '\u2069',
                    $"U+{c:X4} escaped to U+{(int)e:X4}");
        }
    }

    private static HostileModel HostileMetadata() => HostileModel.WithMetadata(m =>
    {
        m.Set(GgufKeys.Name, GgufValue.String(Hostile));
        m.Set("llama.evil\u001b[31mkey", GgufValue.String(Hostile));
        m.Set("tokenizer.ggml.pre", GgufValue.String("pre\u001b[2J"));
        m.Set("general.description", GgufValue.Array(new[] { "x\u001b[2J", "y\u0007" }));
    });

    [Fact]
    public void InspectEscapesMetadataNamesAndValues()
    {
        using var model = HostileMetadata();
        var r = CliRunner.Run("inspect", model.Path);
        Assert.True(r.ExitCode == 0, r.Error);
        AssertTerminalSafe(r.Out);
        Assert.Contains("Evil\\x1b[2J\\x1b[H\\x1b[31mRed\\x1b]0;pwned\\x07\\x9b2J\\x7f\\u202eabc", r.Out);
        Assert.Contains("evil\\x1b[31mkey", r.Out);
        Assert.Contains("pre\\x1b[2J", r.Out);
        Assert.Contains("file type", r.Out);
    }

    [Fact]
    public void InspectJsonKeepsTheExactStrings()
    {
        using var model = HostileMetadata();
        var r = CliRunner.Run("inspect", "--json", model.Path);
        Assert.True(r.ExitCode == 0, r.Error);
        AssertTerminalSafe(r.Out, json: true);
        using var doc = JsonDocument.Parse(r.Out);
        Assert.Equal(Hostile, doc.RootElement.GetProperty("name").GetString());
        Assert.Equal(Hostile, doc.RootElement.GetProperty("metadata").GetProperty("llama.evil\u001b[31mkey").GetString());
        Assert.Equal("x\u001b[2J", doc.RootElement.GetProperty("metadata").GetProperty("general.description")[0].GetString());
    }

    [Fact]
    public void TheChatBannerEscapesTheModelsName()
    {
        using var model = HostileMetadata();
        var r = CliRunner.RunWithInput("", "chat", "-m", model.Path, "-t", "1");
        Assert.True(r.ExitCode == 0, r.Error);
        AssertTerminalSafe(r.Out);
        Assert.Contains("Chatting with Evil\\x1b[2J", r.Out);
    }

    [Fact]
    public void GeneratedTextIsExactToAPipeAndEscapedOnATerminal()
    {
        // The constraint makes stories260K (which has byte tokens) write an escape sequence.
        string[] args = ["generate", "-m", HostileModel.Source, "-p", "Once", "-t", "1", "--temp", "0", "--choice", "\u001b[2J\u001b]0;x\u0007"];
        var pipe = CliRunner.Run(args);
        Assert.True(pipe.ExitCode == 0, pipe.Error);
        Assert.Equal("\u001b[2J\u001b]0;x\u0007\n", pipe.Out);

        var output = new StringWriter();
        var error = new StringWriter();
        int code = SpindleCommand.Run(args, output, error, null, outputIsTerminal: true);
        Assert.True(code == 0, error.ToString());
        Assert.Equal("\\x1b[2J\\x1b]0;x\\x07\n", output.ToString().Replace("\r\n", "\n"));
    }

    [Fact]
    public void ParseErrorsQuotingTheCommandLineAreEscaped()
    {
        var r = CliRunner.Run("generate", "-p", "x", "--temp", "\u001b[2J");
        Assert.Equal(2, r.ExitCode);
        Assert.DoesNotContain('\u001b', r.Error);
        Assert.Contains("\\x1b[2J", r.Error);
        var unknown = CliRunner.Run("\u001b]0;title\u0007");
        Assert.Equal(2, unknown.ExitCode);
        Assert.DoesNotContain('\u001b', unknown.Error);
    }
}
