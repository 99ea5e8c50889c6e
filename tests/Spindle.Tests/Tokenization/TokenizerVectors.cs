namespace Spindle.Tests.Tokenization;

/// <summary>
/// llama.cpp's tokenizer test vectors (tests/test-tokenizer-0): NAME.inp holds the strings, each followed by a line
/// "__ggml_vocab_test__" (so a string is the text between "\n__ggml_vocab_test__\n" separators; an empty string is an empty
/// line); NAME.out holds one line per string with its ids, each preceded by a space (an empty line for no tokens, "ERROR"
/// when llama.cpp could not tokenize it). The ids are llama.cpp's with add_special = false and parse_special = false.
/// </summary>
public sealed class TokenizerVectors
{
    private const string Separator = "\n__ggml_vocab_test__\n";

    public TokenizerVectors(IReadOnlyList<TokenizerVector> cases) => Cases = cases;

    public IReadOnlyList<TokenizerVector> Cases { get; }

    /// <summary>Reads <paramref name="inputPath"/> and <paramref name="outputPath"/> (default: the input path with .out for .inp).</summary>
    public static TokenizerVectors Load(string inputPath, string? outputPath = null)
    {
        outputPath ??= Path.ChangeExtension(inputPath, ".out");
        string input = File.ReadAllText(inputPath); // UTF-8
        string output = File.ReadAllText(outputPath);

        if (!input.EndsWith(Separator, StringComparison.Ordinal))
            throw new FormatException($"{inputPath}: does not end with the separator line");
        string[] texts = SplitStrings(input);

        string[] lines = output.Split('\n');
        if (lines.Length > 0 && lines[^1].Length == 0) lines = lines[..^1]; // the file's final newline
        if (lines.Length != texts.Length)
            throw new FormatException($"{outputPath}: {lines.Length} id lines for {texts.Length} strings in {inputPath}");

        var cases = new TokenizerVector[texts.Length];
        for (int i = 0; i < texts.Length; i++) cases[i] = new TokenizerVector(i, texts[i], ParseIds(lines[i], outputPath, i));
        return new TokenizerVectors(cases);
    }

    /// <summary>The vectors llama.cpp ships beside a vocabulary: shared/vocab/NAME.gguf.inp and .out.</summary>
    public static TokenizerVectors ForVocab(string ggufFileName) =>
        Load(SharedData.PathOf("vocab", ggufFileName + ".inp"), SharedData.PathOf("vocab", ggufFileName + ".out"));

    /// <summary>xunit data: one row per string index, for <c>[MemberData]</c> theories that load the vectors themselves.</summary>
    public static TheoryData<int> Indexes(string inputPath)
    {
        var data = new TheoryData<int>();
        for (int i = 0; i < SplitStrings(File.ReadAllText(inputPath)).Length; i++) data.Add(i);
        return data;
    }

    private static string[] SplitStrings(string input)
    {
        var texts = new List<string>();
        int start = 0;
        while (start < input.Length)
        {
            // An empty string is an empty line, so its closing separator starts right at `start`.
            int sep = input.IndexOf(Separator, start, StringComparison.Ordinal);
            if (sep < 0) throw new FormatException("test string without a closing separator line");
            texts.Add(input[start..sep]);
            start = sep + Separator.Length;
        }
        return texts.ToArray();
    }

    private static int[]? ParseIds(string line, string path, int index)
    {
        if (line.Trim() == "ERROR") return null;
        var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var ids = new int[parts.Length];
        for (int j = 0; j < parts.Length; j++)
        {
            if (!int.TryParse(parts[j], out ids[j]))
                throw new FormatException($"{path}: line {index + 1}: '{parts[j]}' is not a token id");
        }
        return ids;
    }
}

/// <summary>One test string and llama.cpp's ids for it; <see cref="ExpectedIds"/> is null where llama.cpp reported ERROR.</summary>
public sealed record TokenizerVector(int Index, string Text, int[]? ExpectedIds)
{
    public bool IsError => ExpectedIds is null;

    public override string ToString() => $"#{Index} \"{Text.ReplaceLineEndings("\\n")}\"";
}
