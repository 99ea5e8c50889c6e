using Spindle.Constraints.Vocabulary;
using Spindle.Gguf;
using Spindle.Tokenization;

namespace Spindle.Tests.Constraints.Grammar;

/// <summary>A real tokenizer with its constraint vocabulary and token trie, loaded once per vocabulary file.</summary>
internal sealed class RealVocabulary
{
    private static readonly Dictionary<string, RealVocabulary> Loaded = new();

    private RealVocabulary(string file)
    {
        using var gguf = GgufFile.Open(SharedData.PathOf("vocab", file));
        Tokenizer = Tokenizer.FromGguf(gguf);
        Vocabulary = new TokenizerConstraintVocabulary(Tokenizer);
        Trie = new TokenTrie(Vocabulary);
    }

    public Tokenizer Tokenizer { get; }
    public TokenizerConstraintVocabulary Vocabulary { get; }
    public TokenTrie Trie { get; }

    public static RealVocabulary Get(string file)
    {
        lock (Loaded)
        {
            if (!Loaded.TryGetValue(file, out var v)) Loaded[file] = v = new RealVocabulary(file);
            return v;
        }
    }

    /// <summary>Tokens for <paramref name="text"/> whose pieces concatenate to exactly <paramref name="expected"/>, or null.</summary>
    public int[]? TokenizeExactly(string text, byte[] expected)
    {
        int[] ids = Tokenizer.Encode(text);
        var bytes = new List<byte>();
        foreach (int id in ids)
        {
            if (Vocabulary.IsSpecial(id)) return null;
            bytes.AddRange(Vocabulary.TokenBytes(id).ToArray());
        }
        return bytes.ToArray().AsSpan().SequenceEqual(expected) ? ids : null;
    }
}
