namespace Spindle.Gguf;

/// <summary>Names of the standard GGUF metadata keys (llama.cpp gguf-py/gguf/constants.py).</summary>
public static class GgufKeys
{
    public const string Architecture = "general.architecture";
    public const string Name = "general.name";
    public const string Alignment = "general.alignment";
    public const string FileType = "general.file_type";
    public const string QuantizationVersion = "general.quantization_version";

    // {arch}.* — use GgufMetadata.ArchKey(...) with these suffixes.
    public const string ContextLength = "context_length";
    public const string EmbeddingLength = "embedding_length";
    public const string BlockCount = "block_count";
    public const string FeedForwardLength = "feed_forward_length";
    public const string HeadCount = "attention.head_count";
    public const string HeadCountKv = "attention.head_count_kv";
    public const string KeyLength = "attention.key_length";
    public const string ValueLength = "attention.value_length";
    public const string LayerNormRmsEpsilon = "attention.layer_norm_rms_epsilon";
    public const string RopeDimensionCount = "rope.dimension_count";
    public const string RopeFreqBase = "rope.freq_base";
    public const string VocabSize = "vocab_size";

    public const string TokenizerModel = "tokenizer.ggml.model";
    public const string TokenizerPre = "tokenizer.ggml.pre";
    public const string Tokens = "tokenizer.ggml.tokens";
    public const string Scores = "tokenizer.ggml.scores";
    public const string TokenTypes = "tokenizer.ggml.token_type";
    public const string Merges = "tokenizer.ggml.merges";
    public const string BosTokenId = "tokenizer.ggml.bos_token_id";
    public const string EosTokenId = "tokenizer.ggml.eos_token_id";
    public const string EotTokenId = "tokenizer.ggml.eot_token_id";
    public const string EomTokenId = "tokenizer.ggml.eom_token_id";
    public const string UnknownTokenId = "tokenizer.ggml.unknown_token_id";
    public const string SeparatorTokenId = "tokenizer.ggml.seperator_token_id";
    public const string PaddingTokenId = "tokenizer.ggml.padding_token_id";
    public const string ClsTokenId = "tokenizer.ggml.cls_token_id";
    public const string MaskTokenId = "tokenizer.ggml.mask_token_id";
    public const string AddBosToken = "tokenizer.ggml.add_bos_token";
    public const string AddEosToken = "tokenizer.ggml.add_eos_token";
    public const string AddSpacePrefix = "tokenizer.ggml.add_space_prefix";
    public const string RemoveExtraWhitespaces = "tokenizer.ggml.remove_extra_whitespaces";
    public const string ChatTemplate = "tokenizer.chat_template";

    /// <summary>
    /// A Hugging Face tokenizer.json stored whole (gguf-py's Keys.Tokenizer.HF_JSON), for tokenizers the
    /// tokenizer.ggml.* tables cannot describe exactly; Spindle prefers it when present.
    /// </summary>
    public const string HuggingFaceJson = "tokenizer.huggingface.json";
}
