using Spindle.Gguf;

namespace Spindle.Tokenization;

/// <summary>
/// A tokenizer's vocabulary as GGUF describes it: token texts, scores, attributes, merges and special ids.
/// Special ids are -1 when the model has none.
/// </summary>
public sealed class Vocabulary
{
    private readonly Dictionary<string, int> _idByText;

    public Vocabulary(string model, string? pre, string[] tokens, float[]? scores, TokenAttributes[] attributes, string[]? merges)
    {
        if (attributes.Length != tokens.Length) throw new ArgumentException("one attribute per token is required", nameof(attributes));
        if (scores != null && scores.Length != tokens.Length) throw new ArgumentException("one score per token is required", nameof(scores));
        Model = model;
        Pre = pre;
        Tokens = tokens;
        Scores = scores;
        Attributes = attributes;
        Merges = merges;
        _idByText = new Dictionary<string, int>(tokens.Length, StringComparer.Ordinal);
        // The first id wins when a vocabulary repeats a text, as in llama.cpp's token_to_id map.
        for (int i = 0; i < tokens.Length; i++) _idByText.TryAdd(tokens[i], i);
    }

    /// <summary>tokenizer.ggml.model: "llama" (SentencePiece), "gpt2" (byte-level BPE), "bert" (WordPiece), ...</summary>
    public string Model { get; }

    /// <summary>tokenizer.ggml.pre: which pre-tokenizer a "gpt2" vocabulary uses ("default" when absent).</summary>
    public string? Pre { get; }

    public string[] Tokens { get; }

    public float[]? Scores { get; }

    public TokenAttributes[] Attributes { get; }

    /// <summary>BPE merges, each "left right".</summary>
    public string[]? Merges { get; }

    public int Count => Tokens.Length;

    public int BosId { get; init; } = -1;
    public int EosId { get; init; } = -1;
    public int EotId { get; init; } = -1;
    public int EomId { get; init; } = -1;
    public int UnknownId { get; init; } = -1;
    public int SeparatorId { get; init; } = -1;
    public int PaddingId { get; init; } = -1;
    public int ClsId { get; init; } = -1;
    public int MaskId { get; init; } = -1;
    public int NewlineId { get; init; } = -1;

    public bool AddBos { get; init; }
    public bool AddEos { get; init; }
    public bool AddSpacePrefix { get; init; }

    /// <summary>Ids that end generation (EOS, EOT, EOM and the end-of-turn tokens llama.cpp recognizes by text).</summary>
    public IReadOnlySet<int> EndOfGenerationIds { get; init; } = new HashSet<int>();

    public bool TryGetId(string text, out int id) => _idByText.TryGetValue(text, out id);

    public int GetIdOrDefault(string text, int fallback = -1) => _idByText.TryGetValue(text, out int id) ? id : fallback;

    public bool IsControl(int id) => (Attributes[id] & TokenAttributes.Control) != 0;

    public bool IsEndOfGeneration(int id) => EndOfGenerationIds.Contains(id);

    public bool IsValid(int id) => (uint)id < (uint)Tokens.Length;

    /// <summary>Reads the vocabulary from GGUF metadata, following llama.cpp's llama_vocab::load.</summary>
    public static Vocabulary FromGguf(GgufMetadata metadata) => VocabularyLoader.Load(metadata);
}
