using System.Text.Json;
using Spindle.Gguf;

namespace Spindle.Tokenization.HuggingFace;

/// <summary>Loads a Hugging Face tokenizer.json (model type "BPE") into a <see cref="Tokenizer"/>.</summary>
public static class HfTokenizer
{
    public const string FileName = "tokenizer.json";

    /// <summary>Far above any real vocabulary (the largest are about 260k tokens).</summary>
    public const int MaxTokenCount = 1 << 24;

    /// <summary>
    /// Reads <paramref name="path"/> (a tokenizer.json, or a folder holding one); a tokenizer_config.json beside it, when
    /// present, supplies the BOS/EOS tokens. Throws <see cref="NotSupportedException"/> naming any component type Spindle
    /// does not implement.
    /// </summary>
    public static HfBpeTokenizer Load(string path) => Load(path, new HfTokenizerOverrides());

    /// <summary>As <see cref="Load(string)"/>, with special ids and a vocabulary size imposed from outside (a model's).</summary>
    public static HfBpeTokenizer Load(string path, HfTokenizerOverrides overrides)
    {
        if (Directory.Exists(path)) path = Path.Combine(path, FileName);
        if (!File.Exists(path)) throw new FileNotFoundException($"tokenizer file not found: {path}", path);
        string json = File.ReadAllText(path);
        string configPath = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(path)) ?? ".", "tokenizer_config.json");
        string? config = File.Exists(configPath) ? File.ReadAllText(configPath) : null;
        return Parse(json, config, overrides);
    }

    /// <summary>
    /// The tokenizer.json a GGUF file stores whole (<see cref="GgufKeys.HuggingFaceJson"/>). The file's
    /// tokenizer.ggml.* special ids, where present, name BOS and EOS (tokenizer_config.json is not stored), and its
    /// token table's length sets the vocabulary's (ids past the JSON's are unused padding, as in the table).
    /// </summary>
    public static HfBpeTokenizer FromGguf(GgufMetadata metadata)
    {
        string json = metadata.GetStringOrNull(GgufKeys.HuggingFaceJson)
            ?? throw new GgufFormatException($"GGUF metadata has no {GgufKeys.HuggingFaceJson}");
        int? Id(string key) => metadata.GetInt64OrNull(key) is { } v && v >= 0 && v <= int.MaxValue ? (int)v : null;
        return Parse(json, null, new HfTokenizerOverrides
        {
            BosId = Id(GgufKeys.BosTokenId),
            EosId = Id(GgufKeys.EosTokenId),
            EotId = Id(GgufKeys.EotTokenId),
            MinimumTokenCount = metadata.GetArrayOrNull(GgufKeys.Tokens)?.Count ?? 0,
        });
    }

    /// <summary>Builds the tokenizer from tokenizer.json text and optional tokenizer_config.json text.</summary>
    public static HfBpeTokenizer Parse(string tokenizerJson, string? tokenizerConfigJson = null) =>
        Parse(tokenizerJson, tokenizerConfigJson, new HfTokenizerOverrides());

    /// <summary>As <see cref="Parse(string, string?)"/>, with special ids and a vocabulary size imposed from outside.</summary>
    public static HfBpeTokenizer Parse(string tokenizerJson, string? tokenizerConfigJson, HfTokenizerOverrides overrides)
    {
        var options = new JsonDocumentOptions { AllowTrailingCommas = true, MaxDepth = 256 };
        using var doc = JsonDocument.Parse(tokenizerJson, options);
        using var configDoc = tokenizerConfigJson != null ? JsonDocument.Parse(tokenizerConfigJson, options) : null;
        var root = doc.RootElement;

        var model = root.Property("model") ?? throw new FormatException("tokenizer.json has no \"model\"");
        string modelType = model.StringOrNull("type") ?? (model.Property("merges") != null ? "BPE" : "(none)");
        if (modelType != "BPE") throw new NotSupportedException($"tokenizer.json: model type '{modelType}' is not supported (only BPE)");

        var vocab = ReadVocab(model);
        var merges = ReadMerges(model);
        var added = ReadAddedTokens(root);
        bool byteFallback = model.Bool("byte_fallback", false);
        string? unkToken = model.StringOrNull("unk_token");

        int count = Math.Max(0, overrides.MinimumTokenCount);
        foreach (var id in vocab.Values) count = Math.Max(count, id + 1);
        foreach (var a in added) count = Math.Max(count, a.Id + 1);
        // Ids size the token arrays: a stray huge id must not become a huge allocation.
        if (count > MaxTokenCount) throw new FormatException($"tokenizer.json: token ids reach {count - 1}; at most {MaxTokenCount - 1} is accepted");
        var tokens = new string[count];
        var attributes = new TokenAttributes[count];
        tokens.AsSpan().Fill("");
        attributes.AsSpan().Fill(TokenAttributes.Unused); // ids no entry names
        foreach (var (text, id) in vocab)
        {
            tokens[id] = text;
            attributes[id] = byteFallback && ByteFallbackDecoder.TryParseByteToken(text, out _) ? TokenAttributes.Byte : TokenAttributes.Normal;
        }
        int unknownId = -1;
        if (unkToken != null && !vocab.TryGetValue(unkToken, out unknownId))
            throw new FormatException($"tokenizer.json: unk_token '{unkToken}' is not in the vocabulary");
        foreach (var a in added)
        {
            tokens[a.Id] = a.Content;
            var attr = a.Special ? TokenAttributes.Control : TokenAttributes.UserDefined;
            if (a.Normalized) attr |= TokenAttributes.Normalized;
            if (a.LStrip) attr |= TokenAttributes.LStrip;
            if (a.RStrip) attr |= TokenAttributes.RStrip;
            if (a.SingleWord) attr |= TokenAttributes.SingleWord;
            attributes[a.Id] = attr;
        }
        // The unknown token keeps Control when it is a special added token, so decode skips it as HF does.
        if (unknownId >= 0) attributes[unknownId] = (attributes[unknownId] & ~TokenAttributes.Normal) | TokenAttributes.Unknown;

        var postProcessor = HfPostProcessor.FromJson(root.Property("post_processor"));
        var idByText = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < tokens.Length; i++)
        {
            if (tokens[i].Length > 0) idByText.TryAdd(tokens[i], i);
        }
        int bos = postProcessor.Prefix.Length > 0 ? postProcessor.Prefix[0] : -1;
        int eos = postProcessor.Suffix.Length > 0 ? postProcessor.Suffix[^1] : -1;
        bool addBos = postProcessor.Prefix.Length > 0, addEos = postProcessor.Suffix.Length > 0;
        if (configDoc?.RootElement is { } config)
        {
            bos = ConfigTokenId(config, "bos_token", idByText) ?? bos;
            eos = ConfigTokenId(config, "eos_token", idByText) ?? eos;
        }
        if (overrides.BosId is { } b && b < count) bos = b;
        if (overrides.EosId is { } e && e < count) eos = e;
        var endOfGeneration = new HashSet<int>();
        if (eos >= 0) endOfGeneration.Add(eos);
        if (overrides.EotId is { } eot && eot < count) endOfGeneration.Add(eot);

        var mergeStrings = new string[merges.Count];
        for (int i = 0; i < merges.Count; i++) mergeStrings[i] = merges[i].Left + " " + merges[i].Right;
        var vocabulary = new Vocabulary("hf-bpe", null, tokens, null, attributes, mergeStrings)
        {
            BosId = bos,
            EosId = eos,
            UnknownId = unknownId,
            AddBos = addBos,
            AddEos = addEos,
            EndOfGenerationIds = endOfGeneration,
        };

        var bpeOptions = new HfBpeOptions(unknownId, byteFallback, model.Bool("fuse_unk", false),
            model.StringOrNull("continuing_subword_prefix"), model.StringOrNull("end_of_word_suffix"), model.Bool("ignore_merges", false));
        if (model.Property("dropout") is { ValueKind: JsonValueKind.Number } dropout && dropout.GetDouble() > 0)
            throw new NotSupportedException("tokenizer.json: BPE dropout is not supported (encoding would be random)");
        var bpe = new HfBpeModel(vocab, merges, bpeOptions);

        return new HfBpeTokenizer(vocabulary,
            HfNormalizer.FromJson(root.Property("normalizer")),
            HfPreTokenizer.FromJson(root.Property("pre_tokenizer")),
            bpe, postProcessor,
            HfDecoder.FromJson(root.Property("decoder")));
    }

    private static Dictionary<string, int> ReadVocab(JsonElement model)
    {
        var v = model.Property("vocab") ?? throw new FormatException("tokenizer.json: BPE model has no \"vocab\"");
        var vocab = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var entry in v.EnumerateObject())
        {
            int id = entry.Value.GetInt32();
            if (id < 0) throw new FormatException($"tokenizer.json: token '{entry.Name}' has negative id {id}");
            if (id >= MaxTokenCount) throw new FormatException($"tokenizer.json: token '{entry.Name}' has id {id}, past the limit {MaxTokenCount - 1}");
            vocab[entry.Name] = id;
        }
        return vocab;
    }

    // Merges are "left right" strings (older files) or ["left", "right"] pairs (tokens may then contain spaces).
    internal static List<(string Left, string Right)> ReadMerges(JsonElement model)
    {
        var merges = new List<(string, string)>();
        if (model.Property("merges") is not { } items) return merges;
        foreach (var item in items.EnumerateArray())
        {
            if (item.ValueKind == JsonValueKind.String)
            {
                string s = item.GetString()!;
                int space = s.IndexOf(' ', 1);
                if (space < 0) throw new FormatException($"tokenizer.json: merge '{s}' is not \"left right\"");
                merges.Add((s[..space], s[(space + 1)..]));
            }
            else if (item.ValueKind == JsonValueKind.Array && item.GetArrayLength() == 2)
            {
                merges.Add((item[0].GetString()!, item[1].GetString()!));
            }
            else
            {
                throw new FormatException($"tokenizer.json: merge {item.GetRawText()} is neither a string nor a pair");
            }
        }
        return merges;
    }

    private readonly record struct AddedToken(int Id, string Content, bool Special, bool Normalized, bool LStrip, bool RStrip, bool SingleWord);

    private static List<AddedToken> ReadAddedTokens(JsonElement root)
    {
        var list = new List<AddedToken>();
        if (root.Property("added_tokens") is not { } items) return list;
        foreach (var t in items.EnumerateArray())
        {
            int id = t.Property("id")?.GetInt32() ?? throw new FormatException("tokenizer.json: an added token has no id");
            if (id < 0 || id >= MaxTokenCount) throw new FormatException($"tokenizer.json: added token id {id} is out of range");
            string content = t.RequiredString("content", $"added token {id}");
            bool special = t.Bool("special", false);
            list.Add(new AddedToken(id, content, special, t.Bool("normalized", !special), t.Bool("lstrip", false),
                t.Bool("rstrip", false), t.Bool("single_word", false)));
        }
        return list;
    }

    // "bos_token": "<s>" or {"content": "<s>", ...}
    private static int? ConfigTokenId(JsonElement config, string name, Dictionary<string, int> idByText)
    {
        var v = config.Property(name);
        string? text = v?.ValueKind switch
        {
            JsonValueKind.String => v.Value.GetString(),
            JsonValueKind.Object => v.Value.StringOrNull("content"),
            _ => null,
        };
        return text != null && idByText.TryGetValue(text, out int id) ? id : null;
    }
}
