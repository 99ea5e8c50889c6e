using System.CommandLine;
using System.Text.Json;
using Spindle.Cli;
using Spindle.Cli.Commands;
using Spindle.Cli.Options;
using Spindle.Tests.Watermarking;
using static Spindle.Tests.Generation.GenerationTestModels;

namespace Spindle.Tests.Cli;

/// <summary>
/// `spindle generate --watermark …` and `spindle watermark detect`, in-process: what generate writes, detect finds again
/// from the text alone (re-tokenized as a continuation); an unwatermarked text, a wrong key and bad input get an honest
/// verdict with exit code 0; mistakes in the flags are one-line usage errors.
/// </summary>
public sealed class WatermarkCommandTests
{
    private static readonly string[] PureSampling = ["--temp", "1", "--top-k", "0", "--top-p", "1", "--min-p", "0"];

    private static string[] Generate(params string[] extra) =>
        ["generate", "-m", Stories260K, "-p", "Once upon a time", "-n", "200", "-t", "1", .. PureSampling, .. extra];

    /// <summary>Runs generate and returns its stdout (the text plus the line end generate adds), asserting success.</summary>
    private static string GenerateText(params string[] extra)
    {
        var r = CliRunner.Run(Generate(extra));
        Assert.True(r.ExitCode == 0, r.Error);
        return r.Out;
    }

    private static JsonElement DetectJson(string text, params string[] args)
    {
        var r = CliRunner.RunWithInput(text, ["watermark", "detect", "-m", Stories260K, "-t", "1", "--json", .. args, "-"]);
        Assert.True(r.ExitCode == 0, r.Error);
        Assert.Equal("", r.Error);
        using var doc = JsonDocument.Parse(r.Out);
        return doc.RootElement.Clone();
    }

    private static string[] Keys(JsonElement e) => [.. e.EnumerateObject().Select(p => p.Name)];

    [Fact]
    public void KgwGeneratedTextIsDetectedAndTheJsonHasExactlyItsFields()
    {
        string text = GenerateText("--seed", "3", "--watermark", "kgw", "--watermark-key", "secret");
        var found = DetectJson(text, "--key", "secret");
        Assert.Equal(["scheme", "tokens_scored", "green", "z", "p_value", "watermarked", "verdict"], Keys(found));
        Assert.Equal("kgw", found.GetProperty("scheme").GetString());
        Assert.True(found.GetProperty("z").GetDouble() > 4, found.ToString());
        Assert.True(found.GetProperty("watermarked").GetBoolean());
        Assert.Equal("watermarked", found.GetProperty("verdict").GetString());
        Assert.InRange(found.GetProperty("tokens_scored").GetInt32(), 100, 200);
        Assert.InRange(found.GetProperty("green").GetInt32(), 1, found.GetProperty("tokens_scored").GetInt32());
        Assert.True(found.GetProperty("p_value").GetDouble() < 3.2e-5);

        // The same text with another key, and the same seed's text without a watermark: nothing found, exit 0.
        var wrongKey = DetectJson(text, "--key", "not the secret");
        Assert.Equal("not_watermarked", wrongKey.GetProperty("verdict").GetString());
        Assert.False(wrongKey.GetProperty("watermarked").GetBoolean());
        var plain = DetectJson(GenerateText("--seed", "3"), "--key", "secret");
        Assert.Equal("not_watermarked", plain.GetProperty("verdict").GetString());
        Assert.True(plain.GetProperty("z").GetDouble() < 4);
    }

    [Fact]
    public void KgwSettingsMustMatchAndTheHumanTableSaysSo()
    {
        string[] settings = ["--watermark-gamma", "0.5", "--watermark-context", "3", "--watermark-seeding", "selfhash", "--watermark-delta", "3"];
        string text = GenerateText(["--seed", "4", "--watermark", "kgw", "--watermark-key", "k2", .. settings]);
        string file = Path.Combine(Path.GetTempPath(), $"spindle-wm-{Guid.NewGuid():N}.txt");
        File.WriteAllText(file, text);
        try
        {
            var r = CliRunner.Run(["watermark", "detect", "-m", Stories260K, "-t", "1", "--key", "k2", .. settings[..6], file]);
            Assert.True(r.ExitCode == 0, r.Error);
            Assert.Contains("kgw (γ 0.5, context 3, selfhash)", r.Out);
            Assert.Matches(@"(?m)^verdict +watermarked \(p ≤ ", r.Out);
            Assert.Matches(@"(?m)^green +\d+ of \d+ \([\d.]+%; 50% expected without the watermark\)$", r.Out);
            // Detected with the default settings (γ 0.25, h 1, lefthash), the same text shows nothing.
            var defaults = CliRunner.Run("watermark", "detect", "-m", Stories260K, "-t", "1", "--key", "k2", "--json", file);
            Assert.True(defaults.ExitCode == 0, defaults.Error);
            Assert.Contains("\"verdict\":\"not_watermarked\"", defaults.Out);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void SynthIdIsDetectedAndGreedyGetsANote()
    {
        string text = GenerateText("--seed", "5", "--watermark", "synthid", "--watermark-key", "secret");
        var found = DetectJson(text, "--key", "secret", "--scheme", "synthid");
        Assert.Equal("synthid", found.GetProperty("scheme").GetString());
        Assert.Equal("watermarked", found.GetProperty("verdict").GetString());
        // green counts g-values equal to 1 over tokens × 30 layers.
        Assert.True(found.GetProperty("green").GetInt32() > found.GetProperty("tokens_scored").GetInt32() * 15);
        // Another context width hashes other contexts; fewer layers would still find it (layer l is bit l of one hash).
        Assert.Equal("not_watermarked", DetectJson(text, "--key", "secret", "--scheme", "synthid", "--watermark-context", "3").GetProperty("verdict").GetString());

        var greedy = CliRunner.Run("generate", "-m", Stories260K, "-p", "Once upon a time", "-n", "20", "-t", "1", "--temp", "0",
            "--watermark", "synthid", "--watermark-key", "secret");
        Assert.True(greedy.ExitCode == 0, greedy.Error);
        Assert.Contains(greedy.ErrorLines, l => l.StartsWith("note: --watermark synthid leaves greedy decoding (--temp 0) unwatermarked", StringComparison.Ordinal));
        Assert.StartsWith(", there was a little girl named Lily", greedy.Out); // the plain greedy text
    }

    [Fact]
    public void BalanceMessagesAreDecodedWithTheModelOrAProxy()
    {
        string text = GenerateText("--seed", "5", "--watermark", "balance", "--watermark-key", "secret", "--watermark-message", "10110010");
        var found = DetectJson(text, "--key", "secret", "--scheme", "balance", "--watermark-bits", "8");
        Assert.Equal(["scheme", "tokens_scored", "green", "z", "p_value", "watermarked", "message", "message_confidence", "verdict"], Keys(found));
        Assert.Equal("10110010", found.GetProperty("message").GetString());
        Assert.Equal("watermarked", found.GetProperty("verdict").GetString());
        Assert.Equal(1 - found.GetProperty("p_value").GetDouble(), found.GetProperty("message_confidence").GetDouble(), 12);

        string proxy = WatermarkTestGeneration.Stories281K;
        string proxied = GenerateText("--seed", "6", "--watermark", "balance", "--watermark-key", "secret", "--watermark-message", "0x5A",
            "--watermark-bits", "8", "--watermark-proxy", proxy);
        var decoded = DetectJson(proxied, "--key", "secret", "--scheme", "balance", "--proxy", proxy, "--watermark-message", "01011010");
        Assert.Equal("01011010", decoded.GetProperty("message").GetString());
        Assert.True(decoded.GetProperty("z").GetDouble() > 3, decoded.ToString());

        var table = CliRunner.RunWithInput(proxied, "watermark", "detect", "-m", Stories260K, "-t", "1", "--key", "secret", "--scheme", "balance",
            "--proxy", proxy, "--watermark-message", "01011011", "-");
        Assert.True(table.ExitCode == 0, table.Error);
        Assert.Matches(@"(?m)^message +01011010 \(confidence 1 − p: ", table.Out);
        Assert.Matches(@"(?m)^expected +01011011: differs$", table.Out);
    }

    [Fact]
    public void VanillaTakesADecimalMessageWithItsBitCount()
    {
        string text = GenerateText("--seed", "7", "--watermark", "vanilla", "--watermark-key", "v", "--watermark-message", "178", "--watermark-bits", "8");
        var found = DetectJson(text, "--key", "v", "--scheme", "vanilla", "--watermark-bits", "8");
        Assert.Equal("vanilla", found.GetProperty("scheme").GetString());
        Assert.Equal("10110010", found.GetProperty("message").GetString());
        Assert.Equal("watermarked", found.GetProperty("verdict").GetString());
    }

    [Fact]
    public void ChatRepliesCarryTheWatermark()
    {
        var r = CliRunner.RunWithInput("Tell me a story\n", ["chat", "-m", Stories260K, "-n", "30", "-t", "1", "--seed", "2", .. PureSampling,
            "--watermark", "kgw", "--watermark-key", "chat"]);
        Assert.True(r.ExitCode == 0, r.Error);
        var bad = CliRunner.RunWithInput("hi\n", "chat", "-m", Stories260K, "--watermark-layers", "3");
        Assert.Equal(2, bad.ExitCode);
        Assert.Equal("spindle: error: --watermark-layers needs --watermark (kgw, synthid, balance or vanilla)", bad.ErrorLines.Single());
    }

    [Theory]
    [InlineData("", "insufficient")]                       // an empty file
    [InlineData("\n", "insufficient")]
    [InlineData(" Once upon a time", "insufficient")]     // a few tokens: fewer than 16 scored
    [InlineData("日本語のテキスト 😀 ∑∫ \u0001\u001b[2J ½ ü", null)]   // characters the vocabulary spells only by bytes or <unk>
    public void BadInputGetsAnHonestVerdict(string text, string? verdict)
    {
        foreach (string model in new[] { Stories260K, TinyStoriesQ8 })
            foreach (string scheme in new[] { "kgw", "synthid", "vanilla", "balance" })
            {
                string[] bits = scheme is "vanilla" or "balance" ? ["--watermark-bits", "4"] : [];
                var r = CliRunner.RunWithInput(text, ["watermark", "detect", "-m", model, "-t", "1", "--key", "k", "--scheme", scheme, "--json", .. bits, "-"]);
                Assert.True(r.ExitCode == 0, $"{scheme} on {Path.GetFileName(model)}: {r.Error}");
                using var doc = JsonDocument.Parse(r.Out);
                string actual = doc.RootElement.GetProperty("verdict").GetString()!;
                if (verdict is not null) Assert.Equal(verdict, actual);
                else Assert.NotEqual("watermarked", actual);
                Assert.False(doc.RootElement.GetProperty("watermarked").GetBoolean());
            }
    }

    [Fact]
    public void AnEmptyFileIsInsufficientInTheTableToo()
    {
        string file = Path.Combine(Path.GetTempPath(), $"spindle-wm-empty-{Guid.NewGuid():N}.txt");
        File.WriteAllText(file, "");
        try
        {
            var r = CliRunner.Run("watermark", "detect", "-m", Stories260K, "--key", "k", file);
            Assert.True(r.ExitCode == 0, r.Error);
            Assert.Matches(@"(?m)^tokens scored +0 of 0", r.Out);
            Assert.Matches(@"(?m)^verdict +insufficient \(fewer than 16 scored tokens\)$", r.Out);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Theory]
    [InlineData("--watermark kgw", "--watermark needs --watermark-key K: the secret passphrase that detection will need")]
    [InlineData("--watermark-gamma 0.5", "--watermark-gamma needs --watermark (kgw, synthid, balance or vanilla)")]
    [InlineData("--watermark synthid --watermark-key k --watermark-gamma 0.5", "--watermark-gamma applies to --watermark kgw, not synthid")]
    [InlineData("--watermark kgw --watermark-key k --watermark-layers 3", "--watermark-layers applies to --watermark synthid, not kgw")]
    [InlineData("--watermark vanilla --watermark-key k --watermark-proxy x.gguf --watermark-message 1", "--watermark-proxy applies to --watermark balance, not vanilla")]
    [InlineData("--watermark kgw --watermark-key k --watermark-seeding tophash", "--watermark-seeding must be one of lefthash, minhash, selfhash, not 'tophash'")]
    [InlineData("--watermark rot13 --watermark-key k", "--watermark must be one of kgw, synthid, balance or vanilla, not 'rot13'")]
    [InlineData("--watermark balance --watermark-key k", "--watermark balance embeds a message: give --watermark-message BITS (e.g. 10110010)")]
    [InlineData("--watermark vanilla --watermark-key k --watermark-message 178", "--watermark-message '178': without --watermark-bits the message is a binary string such as 10110010; give --watermark-bits N for a decimal or 0x number")]
    [InlineData("--watermark vanilla --watermark-key k --watermark-message 1011 --watermark-bits 16", "--watermark-message '1011' could be binary or decimal: write exactly 16 binary digits (--watermark-bits 16), 0b… or 0x…")]
    [InlineData("--watermark vanilla --watermark-key k --watermark-message 300 --watermark-bits 8", "--watermark-message 300 does not fit in 8 bits (--watermark-bits 8)")]
    [InlineData("--watermark vanilla --watermark-key k --watermark-message 101010101010101010101010101010101", "--watermark-message: 33 binary digits; a message has at most 32 bits")]
    [InlineData("--watermark kgw --watermark-key k --beams 2", "--watermark reweights sampling; it does not apply to --beams or --contrastive-alpha")]
    [InlineData("--watermark synthid --watermark-key k --mirostat 2", "--watermark synthid replaces the sampling picker; it does not combine with --mirostat")]
    public void FlagMistakesAreOneLineUsageErrors(string flags, string message)
    {
        var r = CliRunner.Run(["generate", "-m", Stories260K, "-p", "x", "-n", "2", .. flags.Split(' ')]);
        Assert.Equal(2, r.ExitCode);
        Assert.Equal("spindle: error: " + message, r.ErrorLines.Single());
        Assert.Equal("", r.Out);
    }

    [Fact]
    public void AnEmptyKeyIsRefused()
    {
        var r = CliRunner.Run("generate", "-m", Stories260K, "-p", "x", "-n", "2", "--watermark", "kgw", "--watermark-key", "");
        Assert.Equal(2, r.ExitCode);
        Assert.Equal("spindle: error: --watermark-key: the passphrase is empty", r.ErrorLines.Single());
        var d = CliRunner.RunWithInput("text", "watermark", "detect", "-m", Stories260K, "--key", "", "-");
        Assert.Equal(2, d.ExitCode);
        Assert.Equal("spindle: error: --key: the passphrase is empty", d.ErrorLines.Single());
    }

    [Fact]
    public void AProxyOverAnotherVocabularyIsRefused()
    {
        var r = CliRunner.Run("generate", "-m", Stories260K, "-p", "x", "-n", "2", "-t", "1", "--watermark", "balance", "--watermark-key", "k",
            "--watermark-message", "1", "--watermark-proxy", TinyStoriesQ8);
        Assert.Equal(2, r.ExitCode);
        Assert.Equal($"spindle: error: --watermark-proxy {TinyStoriesQ8}: its vocabulary has 2048 tokens, the model's 512; the proxy must share the generating model's vocabulary",
            r.ErrorLines.Single());
        var d = CliRunner.RunWithInput("some text", "watermark", "detect", "-m", Stories260K, "--key", "k", "--scheme", "balance", "--watermark-bits", "4",
            "--proxy", TinyStoriesQ8, "-");
        Assert.Equal(2, d.ExitCode);
        Assert.Contains("--proxy", d.ErrorLines.Single());
    }

    [Theory]
    [InlineData("", "--key is required: the passphrase the text was watermarked with")]
    [InlineData("--key k --scheme vanilla", "--scheme vanilla: give --watermark-bits N (the message's length) or the expected --watermark-message")]
    [InlineData("--key k --watermark-layers 4", "--watermark-layers applies to --scheme synthid, not kgw")]
    [InlineData("--key k --scheme kgw --proxy p.gguf", "--proxy applies to --scheme balance, not kgw")]
    [InlineData("--key k --scheme synthid --watermark-message 101", "--watermark-message applies to --scheme balance or vanilla, not synthid")]
    [InlineData("--key k --scheme md5", "--scheme must be one of kgw, synthid, balance or vanilla, not 'md5'")]
    public void DetectFlagMistakesAreUsageErrors(string flags, string message)
    {
        var r = CliRunner.RunWithInput("text", ["watermark", "detect", "-m", Stories260K, .. flags.Split(' ', StringSplitOptions.RemoveEmptyEntries), "-"]);
        Assert.Equal(2, r.ExitCode);
        Assert.Equal("spindle: error: " + message, r.ErrorLines.Single());
    }

    [Fact]
    public void AMissingFileOrArgumentIsAnError()
    {
        var missing = CliRunner.Run("watermark", "detect", "-m", Stories260K, "--key", "k", "/nonexistent/text.txt");
        Assert.Equal(2, missing.ExitCode);
        Assert.Equal("spindle: error: file not found: /nonexistent/text.txt", missing.ErrorLines.Single());
        var noFile = CliRunner.Run("watermark", "detect", "-m", Stories260K, "--key", "k");
        Assert.Equal(2, noFile.ExitCode);
        var noVerb = CliRunner.Run("watermark");
        Assert.Equal(2, noVerb.ExitCode);
    }

    [Fact]
    public void EveryHostileValueOfDetectsNumericOptionsIsAUsageError()
    {
        // CliHostileOptionTests walks the top-level verbs; detect sits one level down.
        var root = SpindleCommand.CreateRoot(new CliContext(TextWriter.Null, TextWriter.Null, TextReader.Null), out _);
        var detect = root.Subcommands.Single(c => c.Name == "watermark").Subcommands.Single(c => c.Name == "detect");
        var random = new Random(20261208);
        int cases = 0;
        foreach (var option in detect.Options)
        {
            if (NumericOption.RangeOf(option) is not { } range) continue;
            foreach (string value in CliHostileOptionTests.HostileValues(range, random))
            {
                var r = CliRunner.Run("watermark", "detect", "--key", "k", option.Name + "=" + value, "text.txt");
                Assert.True(r.ExitCode == 2, $"{option.Name}={value}: exit {r.ExitCode}: {r.Error}");
                Assert.Contains(option.Name, r.ErrorLines.Single());
                Assert.DoesNotContain("internal error", r.Error);
                cases++;
            }
        }
        Assert.True(cases > 200, $"only {cases} cases");
    }

    [Theory]
    [InlineData("10110010", null, 0b10110010UL, 8)]
    [InlineData("0b101", null, 5UL, 3)]
    [InlineData("1", null, 1UL, 1)]
    [InlineData("10110010", 8, 0b10110010UL, 8)]
    [InlineData("178", 8, 178UL, 8)]
    [InlineData("0xB2", 8, 0xB2UL, 8)]
    [InlineData("0b101", 8, 5UL, 8)]
    [InlineData("1", 16, 1UL, 16)]
    [InlineData("4294967295", 32, 4294967295UL, 32)]
    [InlineData("11111111111111111111111111111111", null, 4294967295UL, 32)]
    public void MessagesParse(string text, int? bits, ulong message, int length)
    {
        Assert.Equal((message, length), WatermarkFlags.ParseMessage(text, bits));
    }

    [Fact]
    public void BinaryWritesMostSignificantBitFirst()
    {
        Assert.Equal("10110010", WatermarkFlags.Binary(178, 8));
        Assert.Equal("0000000000000101", WatermarkFlags.Binary(5, 16));
    }
}
