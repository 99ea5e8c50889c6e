using Spindle.Gguf;

namespace Spindle.Tokenization;

/// <summary>Builds a <see cref="Vocabulary"/> from GGUF metadata the way llama.cpp's llama_vocab::impl::load does.</summary>
internal static class VocabularyLoader
{
    // Tokens whose text marks the end of a turn; llama.cpp treats them as end-of-generation and control.
    private static readonly string[] EndOfGenerationTexts =
    [
        "<|eot_id|>", "<|im_end|>", "<|end|>", "<end_of_turn>", "<|endoftext|>", "<|eom_id|>", "<EOT>", "_<EOT>",
        "<|end_of_text|>", "<end_of_utterance>",
    ];

    private static readonly string[] EotTexts =
    [
        "<|eot_id|>", "<|im_end|>", "<|end|>", "<end_of_turn>", "<|endoftext|>", "<EOT>", "_<EOT>", "<|end▁of▁sentence|>",
    ];

    private static readonly string[] PreTokenizersAddingBos =
    [
        "llama3", "llama-v3", "llama-bpe", "falcon3", "falcon-h1", "pixtral", "midm-2.0", "lfm2", "tekken", "chameleon",
    ];

    public static Vocabulary Load(GgufMetadata md)
    {
        string model = md.GetStringOrNull(GgufKeys.TokenizerModel)
            ?? throw new GgufFormatException($"GGUF metadata has no {GgufKeys.TokenizerModel}: the file carries no tokenizer");
        string? pre = md.GetStringOrNull(GgufKeys.TokenizerPre);
        var tokenArray = md.GetArrayOrNull(GgufKeys.Tokens)
            ?? throw new GgufFormatException($"GGUF metadata has no {GgufKeys.Tokens}");
        if (tokenArray.Items is not string[] tokens)
            throw new GgufFormatException($"{GgufKeys.Tokens} must be an array of strings, not of {tokenArray.ElementType}");
        if (tokens.Length == 0) throw new GgufFormatException($"{GgufKeys.Tokens} is empty");

        float[]? scores = null;
        if (md.GetArrayOrNull(GgufKeys.Scores) is { } scoreArray)
        {
            scores = scoreArray.ToSingleArray();
            if (scores.Length != tokens.Length)
                throw new GgufFormatException($"{GgufKeys.Scores} has {scores.Length} entries for {tokens.Length} tokens");
        }

        var attributes = new TokenAttributes[tokens.Length];
        if (md.GetArrayOrNull(GgufKeys.TokenTypes) is { } typeArray)
        {
            int[] types = typeArray.ToInt32Array();
            if (types.Length != tokens.Length)
                throw new GgufFormatException($"{GgufKeys.TokenTypes} has {types.Length} entries for {tokens.Length} tokens");
            for (int i = 0; i < types.Length; i++) attributes[i] = FromType((GgufTokenType)types[i]);
        }
        else
        {
            attributes.AsSpan().Fill(TokenAttributes.Normal);
        }

        string[]? merges = null;
        if (md.GetArrayOrNull(GgufKeys.Merges) is { } mergeArray)
        {
            merges = mergeArray.Items as string[]
                ?? throw new GgufFormatException($"{GgufKeys.Merges} must be an array of strings");
        }

        int Id(string key, int fallback)
        {
            long? v = md.GetInt64OrNull(key);
            if (v is null) return fallback;
            if (v < 0 || v >= tokens.Length) return -1; // llama.cpp: an out-of-range special id is ignored
            return (int)v.Value;
        }

        // Defaults per tokenizer model, as llama.cpp sets them before reading the keys.
        int bos = -1, eos = -1, unk = -1, sep = -1, pad = -1, cls = -1, mask = -1;
        bool addBos = false, addEos = false, addSpacePrefix = false;
        switch (model)
        {
            case "llama":
                bos = 1; eos = 2; unk = 0; addBos = true; addSpacePrefix = true;
                break;
            case "bert":
                bos = 101; unk = 100; sep = 102; pad = 0; cls = 101; mask = 103; addBos = true; addEos = true;
                break;
            case "gpt2":
                bos = 11; eos = 11;
                break;
            case "t5":
                eos = 1; unk = 2; pad = 0; addEos = true;
                break;
        }
        // Some pre-tokenizer families change the defaults before the keys are read (llama.cpp llama_vocab::load).
        if (model == "gpt2" && pre is not null)
        {
            if (Array.IndexOf(PreTokenizersAddingBos, pre) >= 0) addBos = true;
            else if (pre == "chatglm-bpe") bos = -1;
        }
        bos = Id(GgufKeys.BosTokenId, bos);
        eos = Id(GgufKeys.EosTokenId, eos);
        unk = Id(GgufKeys.UnknownTokenId, unk);
        sep = Id(GgufKeys.SeparatorTokenId, sep);
        pad = Id(GgufKeys.PaddingTokenId, pad);
        cls = Id(GgufKeys.ClsTokenId, cls);
        mask = Id(GgufKeys.MaskTokenId, mask);
        int eot = Id(GgufKeys.EotTokenId, -1);
        int eom = Id(GgufKeys.EomTokenId, -1);
        addBos = md.GetBoolOrNull(GgufKeys.AddBosToken) ?? addBos;
        addEos = md.GetBoolOrNull(GgufKeys.AddEosToken) ?? addEos;
        addSpacePrefix = md.GetBoolOrNull(GgufKeys.AddSpacePrefix) ?? addSpacePrefix;

        var idByText = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < tokens.Length; i++) idByText.TryAdd(tokens[i], i);

        if (eot < 0)
        {
            foreach (string text in EotTexts)
            {
                if (idByText.TryGetValue(text, out int id)) { eot = id; break; }
            }
        }

        var eog = new HashSet<int>();
        foreach (string text in EndOfGenerationTexts)
        {
            if (idByText.TryGetValue(text, out int id))
            {
                eog.Add(id);
                attributes[id] = (attributes[id] & ~(TokenAttributes.Normal | TokenAttributes.UserDefined)) | TokenAttributes.Control;
            }
        }
        if (eos >= 0) eog.Add(eos);
        if (eot >= 0) eog.Add(eot);
        if (eom >= 0) eog.Add(eom);

        ApplyPerModelAttributes(md, tokens, idByText, attributes);

        int newline = -1;
        // llama.cpp's byte_to_token('\n'): the byte token, else the one-character text (vocabularies without byte tokens).
        if (model == "llama") newline = idByText.GetValueOrDefault("<0x0A>", idByText.GetValueOrDefault("\n", -1));
        else if (model == "gpt2") newline = idByText.GetValueOrDefault("Ċ", -1);

        return new Vocabulary(model, pre, tokens, scores, attributes, merges)
        {
            BosId = bos,
            EosId = eos,
            EotId = eot,
            EomId = eom,
            UnknownId = unk,
            SeparatorId = sep,
            PaddingId = pad,
            ClsId = cls,
            MaskId = mask,
            NewlineId = newline,
            AddBos = addBos,
            AddEos = addEos,
            AddSpacePrefix = addSpacePrefix,
            EndOfGenerationIds = eog,
        };
    }

    private static TokenAttributes FromType(GgufTokenType type) => type switch
    {
        GgufTokenType.Unknown => TokenAttributes.Unknown,
        GgufTokenType.Unused => TokenAttributes.Unused,
        GgufTokenType.Normal => TokenAttributes.Normal,
        GgufTokenType.Control => TokenAttributes.Control,
        GgufTokenType.UserDefined => TokenAttributes.UserDefined,
        GgufTokenType.Byte => TokenAttributes.Byte,
        _ => TokenAttributes.None,
    };

    // GGUF stores no per-token strip flags; llama.cpp sets them by model name (llama-vocab.cpp, "Handle per token attributes").
    private static void ApplyPerModelAttributes(GgufMetadata md, string[] tokens, Dictionary<string, int> idByText, TokenAttributes[] attributes)
    {
        string name = (md.GetStringOrNull(GgufKeys.Name) ?? "").ToLowerInvariant();
        string pre = md.GetStringOrNull(GgufKeys.TokenizerPre) ?? "";
        if (pre.Contains("jina-v2-de") || pre.Contains("jina-v2-es") || pre.Contains("jina-v2-code"))
        {
            if (idByText.TryGetValue("<mask>", out int id)) attributes[id] |= TokenAttributes.LStrip;
        }
        else if (name.Contains("phi-3") || name.Contains("phi3"))
        {
            for (int i = 0; i < tokens.Length; i++)
            {
                if ((attributes[i] & (TokenAttributes.Control | TokenAttributes.UserDefined | TokenAttributes.Unknown)) != 0)
                    attributes[i] |= TokenAttributes.RStrip;
            }
            if (idByText.TryGetValue("</s>", out int eosId)) attributes[eosId] |= TokenAttributes.RStrip;
            foreach (string t in new[] { "<unk>", "<s>", "<|endoftext|>" })
            {
                if (idByText.TryGetValue(t, out int id)) attributes[id] &= ~TokenAttributes.RStrip;
            }
        }
    }
}
