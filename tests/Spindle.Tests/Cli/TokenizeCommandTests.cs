using System.Text.Json;

namespace Spindle.Tests.Cli;

/// <summary>
/// tokenize / detokenize against llama.cpp's vectors for the Llama-2 SentencePiece vocabulary. These need a registered
/// llama tokenizer, which another branch provides: until it is merged they fail, hence the trait.
/// </summary>
public class TokenizeCommandTests
{
    private static readonly string Model = SharedData.PathOf("vocab", "ggml-vocab-llama-spm.gguf");

    /// <summary>llama.cpp's test strings (separated by a line "__ggml_vocab_test__") and the ids it gives each.</summary>
    private static (string Text, int[] Ids)[] Vectors()
    {
        string[] inputs = File.ReadAllText(Model + ".inp").Split("\n__ggml_vocab_test__\n");
        string[] outputs = File.ReadAllLines(Model + ".out");
        var cases = new (string, int[])[outputs.Length];
        for (int i = 0; i < outputs.Length; i++)
            cases[i] = (inputs[i], outputs[i].Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(int.Parse).ToArray());
        return cases;
    }

    private static int[] ParseIdList(string line) =>
        line.Trim().TrimStart('[').TrimEnd(']').Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(int.Parse).ToArray();

    [Theory]
    [InlineData("Hello world", new[] { 15043, 3186 })]
    [InlineData(" Hello, world!", new[] { 29871, 15043, 29892, 3186, 29991 })]
    [InlineData("Führer", new[] { 383, 4000, 261 })]
    [InlineData(" this is 🦙.cpp", new[] { 29871, 445, 338, 29871, 243, 162, 169, 156, 29889, 8223 })]
    public void Ids_output_matches_llama_cpp(string text, int[] expected)
    {
        var r = CliRunner.Run("tokenize", "--model", Model, "--text", text, "--ids");
        Assert.Equal("", r.Error);
        Assert.Equal(0, r.ExitCode);
        Assert.Equal(expected, ParseIdList(r.Out));
    }

    [Fact]
    public void Jsonl_batch_matches_every_llama_cpp_vector()
    {
        var vectors = Vectors();
        string stdin = string.Join("\n", vectors.Select(v => JsonSerializer.Serialize(v.Text))) + "\n";
        var r = CliRunner.RunWithInput(stdin, "tokenize", "--model", Model, "--jsonl");
        Assert.Equal("", r.Error);
        Assert.Equal(0, r.ExitCode);
        string[] lines = r.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(vectors.Length, lines.Length);
        for (int i = 0; i < vectors.Length; i++)
            Assert.True(vectors[i].Ids.SequenceEqual(JsonSerializer.Deserialize<int[]>(lines[i])!),
                $"vector {i} {JsonSerializer.Serialize(vectors[i].Text)}: expected [{string.Join(",", vectors[i].Ids)}], got {lines[i]}");
    }

    [Fact]
    public void Default_output_lists_id_and_piece()
    {
        var r = CliRunner.Run("tokenize", "-m", Model, "-p", "Hello world");
        Assert.Equal(0, r.ExitCode);
        string[] lines = r.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        Assert.Equal(" 15043 -> \" Hello\"", lines[0]);
        Assert.Equal("  3186 -> \" world\"", lines[1]);
    }

    [Fact]
    public void Json_output_has_ids_and_pieces()
    {
        var r = CliRunner.Run("tokenize", "--model", Model, "--text", "Hello world", "--json");
        Assert.Equal(0, r.ExitCode);
        using var doc = JsonDocument.Parse(r.Out);
        var items = doc.RootElement.EnumerateArray().ToArray();
        Assert.Equal([15043, 3186], items.Select(e => e.GetProperty("id").GetInt32()));
        Assert.Equal([" Hello", " world"], items.Select(e => e.GetProperty("piece").GetString()));
    }

    [Fact]
    public void Add_special_and_parse_special()
    {
        var plain = CliRunner.Run("tokenize", "--model", Model, "--text", "Hello", "--ids");
        Assert.Equal([15043], ParseIdList(plain.Out));
        var withBos = CliRunner.Run("tokenize", "--model", Model, "--text", "Hello", "--ids", "--add-special");
        Assert.Equal([1, 15043], ParseIdList(withBos.Out));
        var parsed = CliRunner.Run("tokenize", "--model", Model, "--text", "<s>Hello", "--ids", "--parse-special");
        Assert.Equal(1, ParseIdList(parsed.Out)[0]);
        var literal = CliRunner.Run("tokenize", "--model", Model, "--text", "<s>Hello", "--ids");
        Assert.NotEqual(1, ParseIdList(literal.Out)[0]);
    }

    [Fact]
    public void Text_from_file_and_from_stdin()
    {
        string temp = Path.GetTempFileName();
        File.WriteAllText(temp, "Hello world");
        try
        {
            Assert.Equal([15043, 3186], ParseIdList(CliRunner.Run("tokenize", "--model", Model, "--file", temp, "--ids").Out));
        }
        finally
        {
            File.Delete(temp);
        }
        Assert.Equal([15043, 3186], ParseIdList(CliRunner.RunWithInput("Hello world", "tokenize", "--model", Model, "--ids").Out));
    }

    [Theory]
    [InlineData("Hello world")]
    [InlineData(" Hello, world!")]
    [InlineData("Führer")]
    [InlineData(" this is 🦙.cpp")]
    [InlineData("Cửa Việt")]
    public void Detokenize_inverts_llama_cpp_ids(string text)
    {
        int[] ids = Vectors().First(v => v.Text == text).Ids;
        var r = CliRunner.Run(["detokenize", "--model", Model, .. ids.Select(i => i.ToString())]);
        Assert.Equal("", r.Error);
        Assert.Equal(0, r.ExitCode);
        Assert.Equal(text + "\n", r.Out);
    }

    [Theory]
    [InlineData("15043,3186")]
    [InlineData("[15043, 3186]")]
    [InlineData("15043, 3186")]
    public void Detokenize_reads_id_lists_as_logits_and_tokenize_write_them(string list)
    {
        var r = CliRunner.Run("detokenize", "--model", Model, list);
        Assert.True(r.ExitCode == 0, r.Error);
        Assert.Equal("Hello world\n", r.Out);
    }

    [Fact]
    public void Tokenize_and_detokenize_use_the_default_model_and_t_means_threads()
    {
        // No --model: the default (tinystories-656K, as every model-running command) instead of a usage error.
        var ids = CliRunner.Run("tokenize", "-p", "Once upon a time", "--ids");
        Assert.True(ids.ExitCode == 0, ids.Error);
        Assert.Equal("[80, 147, 201, 282, 57]\n", ids.Out);
        var text = CliRunner.Run("detokenize", "80,147,201,282,57");
        Assert.True(text.ExitCode == 0, text.Error);
        Assert.Equal("Once upon a time\n", text.Out);
        // -t is --threads everywhere; tokenize has none, so it is an unknown option rather than the text.
        var r = CliRunner.Run("tokenize", "-t", "Hello");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("-t", r.Error);
    }

    [Fact]
    public void Detokenize_rejects_an_id_outside_the_vocabulary()
    {
        var r = CliRunner.Run("detokenize", "--model", Model, "1", "32000");
        Assert.NotEqual(0, r.ExitCode);
        Assert.Single(r.ErrorLines);
        Assert.Contains("token id 32000 is outside the vocabulary", r.Error);
    }

    [Fact]
    public void Jsonl_rejects_a_line_that_is_not_a_json_string()
    {
        var r = CliRunner.RunWithInput("\"ok\"\nnot json\n", "tokenize", "--model", Model, "--jsonl");
        Assert.NotEqual(0, r.ExitCode);
        Assert.Equal("[15043]\n".Length > 0, r.Out.StartsWith('['));
        Assert.Contains("stdin line 2 is not a JSON string", r.Error);
    }
}

/// <summary>tokenize streams --file and stdin, and bounds a --jsonl line.</summary>
public class TokenizeStreamingCommandTests
{
    private static readonly string Model = SharedData.PathOf("vocab", "ggml-vocab-llama-spm.gguf");

    [Fact]
    public void File_and_stdin_give_the_ids_of_the_whole_text()
    {
        string text = string.Concat(Enumerable.Repeat(File.ReadAllText(SharedData.PathOf("text", "story.txt")), 40)); // > one chunk
        string path = Path.Combine(Path.GetTempPath(), $"spindle-tokenize-{Guid.NewGuid():N}.txt");
        File.WriteAllText(path, text);
        try
        {
            var tokenizer = Spindle.Tests.Tokenization.StreamingEncoderTests.Load("vocab/ggml-vocab-llama-spm.gguf");
            int[] expected = tokenizer.Encode(text, addSpecial: true);
            var fromFile = CliRunner.Run("tokenize", "--model", Model, "--file", path, "--ids", "--add-special");
            Assert.Equal("", fromFile.Error);
            Assert.Equal(expected, JsonSerializer.Deserialize<int[]>(fromFile.Out));
            var fromStdin = CliRunner.RunWithInput(text, "tokenize", "--model", Model, "--json");
            Assert.Equal(0, fromStdin.ExitCode);
            var objects = JsonSerializer.Deserialize<JsonElement[]>(fromStdin.Out)!;
            Assert.Equal(tokenizer.Encode(text), objects.Select(o => o.GetProperty("id").GetInt32()).ToArray());
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void A_run_without_a_place_to_cut_is_cut_with_a_warning()
    {
        // GPT-2's pre-tokenizer keeps a run of symbols as one word (SentencePiece cuts between two NULs: no token joins them).
        string text = new('\0', (1 << 20) + 50_000);
        var r = CliRunner.RunWithInput(text, "tokenize", "--model", SharedData.PathOf("vocab", "ggml-vocab-gpt-2.gguf"), "--ids");
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("warning: the input ran 1048576 chars without a place to cut it", r.Error);
        Assert.DoesNotContain("such cuts in all", r.Error); // one cut only
        Assert.NotEmpty(JsonSerializer.Deserialize<int[]>(r.Out)!);
    }

    [Fact]
    public void An_overlong_jsonl_line_is_a_clear_error()
    {
        string line = JsonSerializer.Serialize(new string('a', Spindle.Cli.Commands.TokenizeCommand.MaxJsonlLineChars));
        var r = CliRunner.RunWithInput("\"ok\"\n" + line + "\n", "tokenize", "--model", Model, "--jsonl");
        Assert.NotEqual(0, r.ExitCode);
        Assert.Contains("stdin line 2 is longer than", r.Error);
        Assert.StartsWith("[", r.Out); // the first line was still answered
    }
}
