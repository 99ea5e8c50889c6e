using System.Collections.Concurrent;
using Spindle.Gguf;
using Spindle.Tokenization;

namespace Spindle.Tests.Tokenization;

/// <summary>The SentencePiece ("llama") vocabularies with llama.cpp vectors, loaded once per test run.</summary>
public static class SpmTestVocabularies
{
    private static readonly ConcurrentDictionary<string, Tokenizer> Cache = new();

    /// <summary>Name → (GGUF path parts, vector .inp path parts).</summary>
    private static readonly Dictionary<string, (string[] Gguf, string[] Inputs)> Sources = new()
    {
        ["llama-spm"] = (["vocab", "ggml-vocab-llama-spm.gguf"], ["vocab", "ggml-vocab-llama-spm.gguf.inp"]),
        ["phi-3"] = (["vocab", "ggml-vocab-phi-3.gguf"], ["vocab", "ggml-vocab-phi-3.gguf.inp"]),
        ["stories260K"] = (["models", "stories260K", "stories260K.f32.gguf"], ["models", "stories260K", "tokenizer-vectors.inp"]),
        ["tinystories-656K"] = (["models", "tinystories-656K", "tinystories-656K.q8_0.gguf"], ["models", "tinystories-656K", "tokenizer-vectors.inp"]),
    };

    /// <summary>Vocabularies that have byte tokens, so every string round-trips.</summary>
    public static TheoryData<string> WithByteFallback => new() { "llama-spm", "phi-3", "stories260K" };

    public static TheoryData<string> All => new() { "llama-spm", "phi-3", "stories260K", "tinystories-656K" };

    public static Tokenizer Get(string name) => Cache.GetOrAdd(name, n => Open(SharedData.PathOf(Sources[n].Gguf)));

    public static Tokenizer Open(string path)
    {
        using var file = GgufFile.Open(path);
        return Tokenizer.FromGguf(file);
    }

    public static TokenizerVectors Vectors(string name) => TokenizerVectors.Load(SharedData.PathOf(Sources[name].Inputs));
}
