using BenchmarkDotNet.Attributes;
using Spindle.Constraints;
using Spindle.Constraints.FrontEnds;
using Spindle.Constraints.Parsing;
using Spindle.Constraints.Vocabulary;
using Spindle.Gguf;
using Spindle.Tokenization;

namespace Spindle.Bench.Constraints;

/// <summary>
/// One ComputeMask on the llama-spm vocabulary (32,000 tokens) for a JSON GBNF grammar, inside a string (nearly every
/// token allowed) and between values (few allowed), with and without the per-lexer-state token cache. Must show 0 B.
/// </summary>
[MemoryDiagnoser]
public class MaskBenchmarks
{
    private Matcher _inString = null!;
    private Matcher _betweenValues = null!;
    private TokenMask _mask = null!;

    [Params(true, false)]
    public bool TokenCache { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        string path = Path.Combine(FindShared(), "vocab", "ggml-vocab-llama-spm.gguf");
        Tokenizer tokenizer;
        using (var file = GgufFile.Open(path)) tokenizer = Tokenizer.FromGguf(file);
        var trie = new TokenTrie(new TokenizerConstraintVocabulary(tokenizer));
        var grammar = new CompiledGrammar(GbnfGrammar.Parse(JsonGbnf.Text));
        _mask = new TokenMask(trie.Vocabulary.TokenCount);
        _inString = new Matcher(grammar, trie) { UseTokenCache = TokenCache };
        _inString.TryAcceptBytes("{\"name\": [\"Ada Lo"u8);
        _betweenValues = new Matcher(grammar, trie) { UseTokenCache = TokenCache };
        _betweenValues.TryAcceptBytes("{\"name\": [1, 2"u8);
    }

    [Benchmark]
    public void InsideString() => _inString.ComputeMask(_mask);

    [Benchmark]
    public void BetweenValues() => _betweenValues.ComputeMask(_mask);

    private static string FindShared()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Spindle.slnx"))) return Path.GetFullPath(Path.Combine(dir.FullName, "..", "shared"));
        throw new DirectoryNotFoundException("Spindle.slnx not found");
    }
}
