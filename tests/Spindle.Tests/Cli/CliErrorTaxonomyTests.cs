using System.Diagnostics;
using Spindle.Gguf;

namespace Spindle.Tests.Cli;

/// <summary>
/// Every failure issue 10 found reported as "internal error", run through the CLI: each is now an expected error with
/// a one-line message that says what is wrong and what to change, and the exit code of its kind (2: a usage error the
/// options can fix, 1: the file or the run). "internal error" is left for bugs.
/// </summary>
public class CliErrorTaxonomyTests
{
    private static readonly string Stories = HostileModel.Source;

    /// <summary>Exit <paramref name="code"/>, nothing but one "spindle: error:" line on stderr containing every fragment.</summary>
    internal static void AssertExpectedError(CliRunner.Result r, int code, params string[] fragments)
    {
        Assert.True(r.ExitCode == code, $"exit {r.ExitCode}, expected {code}; stderr: {r.Error}");
        var lines = r.ErrorLines;
        Assert.True(lines.Length == 1, "expected one line on stderr, got:\n" + r.Error);
        Assert.StartsWith("spindle: error: ", lines[0]);
        Assert.DoesNotContain("internal error", lines[0]);
        Assert.DoesNotContain("   at ", r.Error);
        foreach (string f in fragments) Assert.Contains(f, lines[0]);
    }

    [Fact]
    public void UnsupportedArchitectureIsAModelError()
    {
        using var model = HostileModel.WithMetadata(m => m.Set(GgufKeys.Architecture, GgufValue.String("mamba")));
        foreach (string command in new[] { "generate", "bench", "logits" })
        {
            string[] args = command switch
            {
                "generate" => ["generate", "-m", model.Path, "-p", "hi", "-t", "1"],
                "bench" => ["bench", "-m", model.Path, "-p", "4", "-n", "2", "-r", "1", "-t", "1"],
                _ => ["logits", "-m", model.Path, "--tokens", "1,2", "--out", Path.GetTempFileName(), "-t", "1"],
            };
            AssertExpectedError(CliRunner.Run(args), 1, "cannot run this model", model.Path, "mamba");
        }
    }

    [Fact]
    public void MisShapedTensorIsAModelError()
    {
        // The tensors are 64 wide; the metadata now says 96.
        using var model = HostileModel.WithMetadata(m => m.Set("llama.embedding_length", GgufValue.UInt32(96)));
        AssertExpectedError(CliRunner.Run("generate", "-m", model.Path, "-p", "hi", "-t", "1"), 1, "cannot run this model", "token_embd.weight", "shape");
    }

    [Fact]
    public void BlockCountOfTwoToTheThirtyOneIsRefusedBeforeAllocating()
    {
        using var model = HostileModel.WithMetadata(m => m.Set("llama.block_count", GgufValue.UInt32(int.MaxValue)));
        var clock = Stopwatch.StartNew();
        var r = CliRunner.Run("generate", "-m", model.Path, "-p", "hi", "-t", "1");
        AssertExpectedError(r, 1, "cannot run this model", "llama.block_count", "2147483647");
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"took {clock.Elapsed}");
    }

    [Fact]
    public void ATrainingContextOfTwoToTheThirtyOneNamesCtxSize()
    {
        // No -c: the cache would take the file's context length.
        using var model = HostileModel.WithMetadata(m => m.Set("llama.context_length", GgufValue.UInt32(int.MaxValue)));
        AssertExpectedError(CliRunner.Run("generate", "-m", model.Path, "-p", "hi", "-t", "1"), 2, "KV cache", "2147483647 tokens", "-c/--ctx-size");
    }

    [Theory]
    [InlineData("-c", "2147483647", "--ctx-size")]
    [InlineData("-c", "100000000", "--ctx-size")]
    [InlineData("--beams", "2147483647", "--beams")]
    [InlineData("--length-penalty", "NaN", "--length-penalty")]
    [InlineData("--temp", "NaN", "--temp")]
    [InlineData("--temp", "-0.5", "--temp")]
    [InlineData("--top-p", "2", "--top-p")]
    [InlineData("--repeat-penalty", "0", "--repeat-penalty")]
    [InlineData("-t", "1000000", "--threads")]
    public void OptionValuesOutOfRangeAreUsageErrors(string option, string value, string named)
    {
        var r = CliRunner.Run("generate", "-m", Stories, "-p", "hi", option, value);
        AssertExpectedError(r, 2, named, value);
        Assert.Equal("", r.Out);
    }

    [Fact]
    public void MeaningsLlamaCppGivesAreKept()
    {
        // --seed -1 random, --repeat-penalty 1 off, --top-k 0 off, --top-nsigma -1 off, -n -1 unlimited.
        var r = CliRunner.Run("generate", "-m", Stories, "-p", "Once", "-n", "3", "-t", "1", "--seed", "-1", "--repeat-penalty", "1", "--top-k", "0", "--top-nsigma", "-1");
        Assert.True(r.ExitCode == 0, r.Error);
    }

    [Fact]
    public void APromptLongerThanTheContextNamesCtxSize()
    {
        var r = CliRunner.Run("generate", "-m", Stories, "-c", "8", "-t", "1", "-p", "Once upon a time there was a little girl named Lily who liked to play");
        AssertExpectedError(r, 1, "the context holds 8", "-c/--ctx-size");
    }

    [Fact]
    public void LogitsPastTheContextIsAnError()
    {
        string ids = string.Join(",", Enumerable.Repeat("1", 513));
        AssertExpectedError(CliRunner.Run("logits", "-m", Stories, "--tokens", ids, "--out", Path.GetTempFileName(), "-t", "1"), 2, "513 tokens", "context of 512");
    }

    [Fact]
    public void MaskbenchOnANonJsonFileNamesTheFile()
    {
        string file = Path.Combine(Path.GetTempPath(), $"spindle-maskbench-{Guid.NewGuid():N}.json");
        File.WriteAllText(file, "this is not JSON");
        string array = Path.Combine(Path.GetTempPath(), $"spindle-maskbench-{Guid.NewGuid():N}.json");
        File.WriteAllText(array, "[1, 2, 3]");
        try
        {
            string vocab = SharedData.PathOf("vocab", "ggml-vocab-llama-spm.gguf");
            AssertExpectedError(CliRunner.Run("maskbench", "--vocab", vocab, file), 2, file, "not valid JSON");
            AssertExpectedError(CliRunner.Run("maskbench", "--vocab", vocab, array), 2, array, "not a MaskBench file");
        }
        finally
        {
            File.Delete(file);
            File.Delete(array);
        }
    }

    /// <summary>Templates that fail in each way the chat can meet: parsing (before the first turn) and rendering (a turn).</summary>
    public static TheoryData<string, string, int> FailingTemplates => new()
    {
        { "{% if %}", "the chat template failed", 1 },
        { "{% for m in messages %}{{ m.content }}", "the chat template failed", 1 },
        { "{{ messages[0].content | frobnicate }}", "the chat template failed", 1 },
        { "{{ raise_exception('System role not supported') }}", "refused the conversation: System role not supported", 1 },
        { "{% for m in messages %}{% if m.role == 'user' %}{{ raise_exception('Only the assistant may speak') }}{% endif %}{% endfor %}", "refused the conversation: Only the assistant may speak", 1 },
        { "{{ undefined_function() }}", "the chat template failed", 1 },
        { "{{ messages[0].content + 1 }}", "the chat template failed", 1 },
    };

    [Theory]
    [MemberData(nameof(FailingTemplates))]
    public void ChatTemplateErrorsFromTheFileAreOneLine(string template, string fragment, int code)
    {
        using var model = HostileModel.WithChatTemplate(template);
        var r = CliRunner.RunWithInput("Hello there\n", "chat", "-m", model.Path, "-n", "4", "-t", "1", "--temp", "0");
        AssertExpectedError(r, code, fragment);
    }

    [Theory]
    [MemberData(nameof(FailingTemplates))]
    public void ChatTemplateErrorsFromAFileOptionAndFromGenerateAreOneLine(string template, string fragment, int code)
    {
        string file = Path.Combine(Path.GetTempPath(), $"spindle-template-{Guid.NewGuid():N}.jinja");
        File.WriteAllText(file, template);
        try
        {
            AssertExpectedError(CliRunner.RunWithInput("Hello there\n", "chat", "-m", Stories, "--chat-template-file", file, "-n", "4", "-t", "1"), code, fragment);
            AssertExpectedError(CliRunner.Run("generate", "-m", Stories, "--chat-template-file", file, "--system", "Be brief", "-p", "Hello", "-n", "4", "-t", "1"), code, fragment);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void ATurnTheTemplateRefusesIsDroppedAndTheChatGoesOn()
    {
        // The template refuses a conversation whose last message mentions "forbidden"; the next question still gets a reply.
        const string template = "{% for m in messages %}{% if 'forbidden' in m.content %}{{ raise_exception('no forbidden words') }}{% endif %}{{ m.role }}: {{ m.content }}\n{% endfor %}assistant:";
        using var model = HostileModel.WithChatTemplate(template);
        var r = CliRunner.RunWithInput("a forbidden question\nOnce upon a time\n", "chat", "-m", model.Path, "-n", "4", "-t", "1", "--temp", "0", "--stats");
        Assert.Equal(1, r.ExitCode); // a turn failed
        var errors = r.ErrorLines.Where(l => l.StartsWith("spindle: error:", StringComparison.Ordinal)).ToArray();
        Assert.Single(errors);
        Assert.Contains("no forbidden words", errors[0]);
        // The second turn ran (its stats line) and its prompt did not hold the refused message.
        Assert.Contains(r.ErrorLines, l => l.StartsWith("prompt:", StringComparison.Ordinal));
    }

    [Fact]
    public void AChatFedAnEndlessLineStopsAtTheBound()
    {
        // As from `< /dev/zero`: no line break ever comes. The chat stops at 16 M characters instead of growing.
        var r = CliRunner.RunWithInput(new string('x', (1 << 24) + 10), "chat", "-m", Stories, "-t", "1");
        AssertExpectedError(r, 2, "an input line is longer than 16777216 characters");
    }

    [Fact]
    public void AGgufKeyWithEscapeSequencesIsQuotedEscaped()
    {
        using var file = HostileModel.FromBytes(HostileModel.DuplicateKey("evil\u001b]0;pwned\u0007\u001b[2J"));
        var r = CliRunner.Run("inspect", file.Path);
        AssertExpectedError(r, 1, "invalid GGUF file", "duplicate metadata key", "\\x1b]0;pwned\\x07\\x1b[2J");
        Assert.DoesNotContain('\u001b', r.Error);
        Assert.DoesNotContain('\u0007', r.Error);
    }

    [Fact]
    public void AKvCacheLargerThanTheMemoryLimitNamesCtxSizeInTheRealProcess()
    {
        // A child process whose GC may use 256 MiB: a context of a million tokens (≈ 0.9 GiB of F16 cache for stories260K)
        // is refused before anything is allocated, with the option to change.
        var r = RunProcess(new Dictionary<string, string?> { ["DOTNET_GCHeapHardLimit"] = "0x10000000" },
            "generate", "-m", Stories, "-c", "1000000", "-p", "hi", "-t", "1");
        AssertExpectedError(r, 2, "KV cache of 1000000 tokens", "more than the", "available", "-c/--ctx-size");
    }

    /// <summary>Runs the built CLI in a process of its own (for environment settings that only apply at start-up).</summary>
    internal static CliRunner.Result RunProcess(IReadOnlyDictionary<string, string?> environment, params string[] args)
    {
        var r = ChildProcess.Run("dotnet", [Path.Combine(AppContext.BaseDirectory, "Spindle.Cli.dll"), .. args],
            AppContext.BaseDirectory, TimeSpan.FromSeconds(120), environment);
        return new CliRunner.Result(r.ExitCode, r.Out.Replace("\r\n", "\n"), r.Error.Replace("\r\n", "\n"));
    }
}
