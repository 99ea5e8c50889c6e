using System.Text.Json;
using Spindle.Gguf;

namespace Spindle.Tokenization.HuggingFace;

/// <summary>
/// Writes a tokenizer.json (with its tokenizer_config.json) as GGUF tokenizer metadata: the tokenizer.ggml.* table that
/// llama.cpp reads, as its converter would write it, and the tokenizer.json itself under
/// <see cref="GgufKeys.HuggingFaceJson"/>, which Spindle prefers because it reproduces the tokenizer exactly.
/// </summary>
/// <remarks>
/// SentencePiece-style BPE (▁ for spaces, byte fallback; Llama 2, TinyStories) becomes a "llama" table. llama.cpp's
/// converter (LlamaHfVocab) gives every token the score -1000, which leaves its SentencePiece tokenizer merging in an
/// arbitrary order; here each merged token scores minus the rank of the merge that makes it, so that "merge the best
/// scoring adjacent pair whose concatenation is a token" replays the merges in rank order. The two agree unless a token
/// can also be formed from a pair the merges never join. Byte-level BPE becomes a "gpt2" table with its merges and the
/// pre-tokenizer named after its regex. Other tokenizers get no table, only the stored tokenizer.json.
/// </remarks>
public static class HfGgufVocabulary
{
    /// <summary>
    /// Adds the tokenizer keys to <paramref name="metadata"/>. <paramref name="modelVocabSize"/> is the embedding's
    /// row count: the table is padded to it with unused tokens, and a tokenizer with more ids is refused
    /// (<see cref="FormatException"/>). <paramref name="configBosId"/> / <paramref name="configEosId"/> (config.json)
    /// apply when the tokenizer files name none.
    /// </summary>
    public static void AddTo(GgufMetadata metadata, string tokenizerJson, string? tokenizerConfigJson, int modelVocabSize,
        int? configBosId = null, int? configEosId = null)
    {
        HfBpeTokenizer tokenizer;
        try
        {
            tokenizer = HfTokenizer.Parse(tokenizerJson, tokenizerConfigJson);
        }
        catch (NotSupportedException)
        {
            // Kept whole: using it reports what is unsupported, and a later Spindle may run it.
            metadata.Set(GgufKeys.HuggingFaceJson, GgufValue.String(tokenizerJson));
            return;
        }
        catch (InvalidOperationException e)
        {
            throw new FormatException($"tokenizer.json: {e.Message}", e);
        }
        var vocab = tokenizer.Vocabulary;
        if (vocab.Count > modelVocabSize)
            throw new FormatException($"tokenizer.json has {vocab.Count} token ids but the model embeds only {modelVocabSize}");

        using var doc = JsonDocument.Parse(tokenizerJson, new JsonDocumentOptions { AllowTrailingCommas = true, MaxDepth = 256 });
        var root = doc.RootElement;
        var kind = HfTokenizerKind.Detect(root);
        using var configDoc = tokenizerConfigJson != null ? JsonDocument.Parse(tokenizerConfigJson, new JsonDocumentOptions { AllowTrailingCommas = true, MaxDepth = 64 }) : null;
        var config = configDoc?.RootElement;

        if (kind.GgufModel != null)
        {
            var merges = HfTokenizer.ReadMerges(root.Property("model")!.Value);
            metadata.Set(GgufKeys.TokenizerModel, GgufValue.String(kind.GgufModel));
            metadata.Set(GgufKeys.TokenizerPre, GgufValue.String(kind.Pre!));
            metadata.Set(GgufKeys.Tokens, GgufValue.Array(Tokens(vocab, modelVocabSize)));
            if (kind.GgufModel == "llama") metadata.Set(GgufKeys.Scores, GgufValue.Array(MergeRankScores(vocab, merges, modelVocabSize)));
            metadata.Set(GgufKeys.TokenTypes, GgufValue.Array(TokenTypes(vocab, modelVocabSize)));
            if (kind.GgufModel == "gpt2") metadata.Set(GgufKeys.Merges, GgufValue.Array(GgufMerges(merges)));
        }

        int bos = vocab.BosId >= 0 ? vocab.BosId : configBosId ?? -1;
        int eos = vocab.EosId >= 0 ? vocab.EosId : configEosId ?? -1;
        SetId(metadata, GgufKeys.BosTokenId, bos, modelVocabSize);
        SetId(metadata, GgufKeys.EosTokenId, eos, modelVocabSize);
        SetId(metadata, GgufKeys.UnknownTokenId, vocab.UnknownId, modelVocabSize);
        if (config is { } c)
        {
            SetId(metadata, GgufKeys.PaddingTokenId, ConfigTokenId(c, "pad_token", vocab), modelVocabSize);
            metadata.Set(GgufKeys.AddBosToken, GgufValue.Bool(ConfigBool(c, "add_bos_token") ?? vocab.AddBos));
            metadata.Set(GgufKeys.AddEosToken, GgufValue.Bool(ConfigBool(c, "add_eos_token") ?? vocab.AddEos));
            if (ChatTemplate(c) is { } template) metadata.Set(GgufKeys.ChatTemplate, GgufValue.String(template));
        }
        else
        {
            metadata.Set(GgufKeys.AddBosToken, GgufValue.Bool(vocab.AddBos));
            metadata.Set(GgufKeys.AddEosToken, GgufValue.Bool(vocab.AddEos));
        }
        if (kind.GgufModel == "llama") metadata.Set(GgufKeys.AddSpacePrefix, GgufValue.Bool(kind.AddSpacePrefix));
        metadata.Set(GgufKeys.HuggingFaceJson, GgufValue.String(tokenizerJson));
    }

    /// <summary>Token texts, ids no entry names (and the padding up to the model's size) as "[PADn]" as llama.cpp's converter writes them.</summary>
    private static string[] Tokens(Vocabulary vocab, int count)
    {
        var tokens = new string[count];
        for (int i = 0; i < count; i++)
            tokens[i] = i < vocab.Count && vocab.Tokens[i].Length > 0 ? vocab.Tokens[i] : $"[PAD{i}]";
        return tokens;
    }

    private static int[] TokenTypes(Vocabulary vocab, int count)
    {
        var types = new int[count];
        for (int i = 0; i < count; i++)
        {
            var a = i < vocab.Count ? vocab.Attributes[i] : TokenAttributes.Unused;
            types[i] = (int)(
                (a & TokenAttributes.Control) != 0 ? GgufTokenType.Control // special added tokens, the unknown token among them
                : (a & TokenAttributes.Unknown) != 0 ? GgufTokenType.Unknown
                : (a & TokenAttributes.UserDefined) != 0 ? GgufTokenType.UserDefined
                : (a & TokenAttributes.Byte) != 0 ? GgufTokenType.Byte
                : (a & TokenAttributes.Unused) != 0 ? GgufTokenType.Unused
                : GgufTokenType.Normal);
        }
        return types;
    }

    /// <summary>
    /// Minus the rank of the merge that makes each token (the first one, when several do); tokens no merge makes (single
    /// characters, bytes, specials) score below every merge, so a SentencePiece tokenizer never prefers them.
    /// </summary>
    private static float[] MergeRankScores(Vocabulary vocab, List<(string Left, string Right)> merges, int count)
    {
        var scores = new float[count];
        float unmerged = -(merges.Count + 1);
        scores.AsSpan().Fill(unmerged);
        var assigned = new bool[count];
        for (int rank = 0; rank < merges.Count; rank++)
        {
            var (left, right) = merges[rank];
            if (vocab.TryGetId(left + right, out int id) && id < count && !assigned[id])
            {
                scores[id] = -rank;
                assigned[id] = true;
            }
        }
        return scores;
    }

    /// <summary>"left right" strings; a space inside a part is written as U+0120, as llama.cpp's converter does.</summary>
    private static string[] GgufMerges(List<(string Left, string Right)> merges)
    {
        var result = new string[merges.Count];
        for (int i = 0; i < result.Length; i++)
            result[i] = merges[i].Left.Replace(' ', '\u0120') + " " + merges[i].Right.Replace(' ', '\u0120');
        return result;
    }

    private static void SetId(GgufMetadata metadata, string key, int id, int count)
    {
        if (id >= 0 && id < count) metadata.Set(key, GgufValue.UInt32((uint)id));
    }

    private static bool? ConfigBool(JsonElement config, string name) =>
        config.ValueKind == JsonValueKind.Object && config.TryGetProperty(name, out var v)
            ? v.ValueKind switch { JsonValueKind.True => true, JsonValueKind.False => false, _ => null }
            : null;

    // "pad_token": "<unk>" or {"content": "<unk>", ...}
    private static int ConfigTokenId(JsonElement config, string name, Vocabulary vocab)
    {
        if (config.ValueKind != JsonValueKind.Object || !config.TryGetProperty(name, out var v)) return -1;
        string? text = v.ValueKind switch
        {
            JsonValueKind.String => v.GetString(),
            JsonValueKind.Object when v.TryGetProperty("content", out var content) && content.ValueKind == JsonValueKind.String => content.GetString(),
            _ => null,
        };
        return text != null ? vocab.GetIdOrDefault(text) : -1;
    }

    /// <summary>"chat_template": a string, or a list of {"name", "template"} of which the "default" one is used.</summary>
    private static string? ChatTemplate(JsonElement config)
    {
        if (config.ValueKind != JsonValueKind.Object || !config.TryGetProperty("chat_template", out var t)) return null;
        if (t.ValueKind == JsonValueKind.String) return t.GetString();
        if (t.ValueKind != JsonValueKind.Array) return null;
        foreach (var item in t.EnumerateArray())
        {
            if (item.ValueKind == JsonValueKind.Object && item.TryGetProperty("name", out var n) && n.ValueKind == JsonValueKind.String
                && n.GetString() == "default" && item.TryGetProperty("template", out var body) && body.ValueKind == JsonValueKind.String)
                return body.GetString();
        }
        return null;
    }
}
