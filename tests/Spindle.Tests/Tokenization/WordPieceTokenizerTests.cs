using System.Text;
using Spindle.Gguf;
using Spindle.Tokenization;
using Spindle.Tokenization.WordPiece;

namespace Spindle.Tests.Tokenization;

public sealed class WordPieceTokenizerTests
{
    private static readonly Lazy<Tokenizer> Bert = new(() =>
    {
        using var file = GgufFile.Open(SharedData.PathOf("vocab", "ggml-vocab-bert-bge.gguf"));
        return Tokenizer.FromGguf(file);
    });

    // .inp: strings each followed by "\n__ggml_vocab_test__\n"; .out: one line of space-separated ids per string.
    private static List<(string Text, int[] Ids)> ReadVectors(string name)
    {
        string inp = File.ReadAllText(SharedData.PathOf("vocab", name + ".inp"), Encoding.UTF8);
        string[] outLines = File.ReadAllText(SharedData.PathOf("vocab", name + ".out")).Split('\n');
        var texts = inp.Split("\n__ggml_vocab_test__\n");
        var cases = new List<(string, int[])>();
        for (int i = 0; i < texts.Length - 1; i++) // the last split part is what follows the final separator
        {
            int[] ids = outLines[i].Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(int.Parse).ToArray();
            cases.Add((texts[i], ids));
        }
        Assert.True(texts[^1].Length == 0, "the .inp file must end with a separator line");
        return cases;
    }

    public static TheoryData<int> BertCaseIndices()
    {
        var data = new TheoryData<int>();
        int n = ReadVectors("ggml-vocab-bert-bge.gguf").Count;
        for (int i = 0; i < n; i++) data.Add(i);
        return data;
    }

    [Fact]
    public void FactoryCreatesWordPieceForBert() => Assert.IsType<WordPieceTokenizer>(Bert.Value);

    [Fact]
    public void VectorFileHasOneIdLinePerString() => Assert.Equal(46, ReadVectors("ggml-vocab-bert-bge.gguf").Count);

    [Theory]
    [MemberData(nameof(BertCaseIndices))]
    public void MatchesLlamaCppIds(int index)
    {
        var (text, expected) = ReadVectors("ggml-vocab-bert-bge.gguf")[index];
        Assert.Equal(expected, Bert.Value.Encode(text, addSpecial: false, parseSpecial: false));
    }

    [Fact]
    public void AddSpecialWrapsInClsAndSep()
    {
        var tok = Bert.Value;
        int[] ids = tok.Encode("Hello world", addSpecial: true);
        Assert.Equal([tok.Vocabulary.ClsId, 7592, 2088, tok.Vocabulary.SeparatorId], ids);
        Assert.Equal("[CLS]", tok.Vocabulary.Tokens[ids[0]]);
        Assert.Equal("[SEP]", tok.Vocabulary.Tokens[ids[^1]]);
    }

    [Fact]
    public void AccentsAreStrippedAndCaseFolded()
    {
        var tok = Bert.Value;
        Assert.Equal(tok.Encode("cafe"), tok.Encode("CAFÉ"));
        Assert.Equal(tok.Encode("uber"), tok.Encode("Über"));
    }

    [Fact]
    public void CjkIdeographsAreSeparateWords()
    {
        var tok = Bert.Value;
        int[] joined = tok.Encode("中文");
        Assert.Equal([.. tok.Encode("中"), .. tok.Encode("文")], joined);
    }

    [Fact]
    public void UnsplittableWordBecomesOneUnknown()
    {
        var tok = Bert.Value;
        Assert.Equal([tok.Vocabulary.UnknownId], tok.Encode("🦙🦙🦙"));
    }

    [Fact]
    public void PiecesUseSpaceForWordStartMarker()
    {
        var tok = Bert.Value;
        var text = new StringBuilder();
        foreach (int id in tok.Encode("hello unbelievable world"))
            text.Append(Encoding.UTF8.GetString(tok.TokenToPiece(id)));
        Assert.Equal(" hello unbelievable world", text.ToString());
        Assert.Equal("[CLS]", Encoding.UTF8.GetString(tok.TokenToPiece(tok.Vocabulary.ClsId, special: true)));
        Assert.True(tok.TokenToPiece(tok.Vocabulary.ClsId).IsEmpty);
    }

    [Fact]
    public void ParseSpecialRecognizesControlTokens()
    {
        var tok = Bert.Value;
        Assert.Equal([7592, tok.Vocabulary.SeparatorId, 2088], tok.Encode("hello[SEP]world", parseSpecial: true));
    }
}
