using Spindle.Gguf;
using Spindle.Tensors.Blocks;
namespace Spindle.Cli.Inspection;

/// <summary>What `spindle inspect` reports, gathered once from the file for both the table and the JSON output.</summary>
internal sealed class ModelSummary
{
    /// <summary>Tokenizer keys reported by name (the token, score, type and merge arrays are summarised by count).</summary>
    public static readonly string[] TokenizerIdKeys =
    [
        GgufKeys.BosTokenId, GgufKeys.EosTokenId, GgufKeys.EotTokenId, GgufKeys.EomTokenId, GgufKeys.UnknownTokenId,
        GgufKeys.SeparatorTokenId, GgufKeys.PaddingTokenId, GgufKeys.ClsTokenId, GgufKeys.MaskTokenId,
    ];

    public static readonly string[] TokenizerFlagKeys =
    [
        GgufKeys.AddBosToken, GgufKeys.AddEosToken, GgufKeys.AddSpacePrefix, GgufKeys.RemoveExtraWhitespaces,
    ];

    public required string Path { get; init; }
    public required long FileSize { get; init; }
    public required uint Version { get; init; }

    /// <summary>A Hugging Face checkpoint folder shown as the GGUF file it converts to (no file layout of its own).</summary>
    public bool IsCheckpointFolder { get; init; }
    public required int Alignment { get; init; }
    public required long DataOffset { get; init; }
    public required string? Architecture { get; init; }
    public required string? Name { get; init; }
    public required GgufMetadata Metadata { get; init; }

    /// <summary>Every <c>{arch}.*</c> key, in file order, with the architecture prefix removed.</summary>
    public required IReadOnlyList<(string Suffix, GgufValue Value)> HyperParameters { get; init; }

    public required string? TokenizerModel { get; init; }
    public required string? TokenizerPre { get; init; }
    public required int? VocabularySize { get; init; }
    public required int? MergeCount { get; init; }
    public required string? ChatTemplate { get; init; }
    public required IReadOnlyList<GgufTensorInfo> Tensors { get; init; }

    public long TotalTensorBytes
    {
        get
        {
            long total = 0;
            foreach (var t in Tensors) total += t.ByteLength;
            return total;
        }
    }

    public long TotalParameters
    {
        get
        {
            long total = 0;
            foreach (var t in Tensors) total += t.ElementCount;
            return total;
        }
    }

    /// <summary>Tensor count per type, in the order types first appear.</summary>
    public IReadOnlyList<(GgmlType Type, int Count, long Bytes)> TypeCounts
    {
        get
        {
            var list = new List<(GgmlType Type, int Count, long Bytes)>();
            foreach (var t in Tensors)
            {
                int i = list.FindIndex(e => e.Type == t.Type);
                if (i < 0) list.Add((t.Type, 1, t.ByteLength));
                else list[i] = (t.Type, list[i].Count + 1, list[i].Bytes + t.ByteLength);
            }
            return list;
        }
    }

    public static ModelSummary From(GgufFile file)
    {
        var md = file.Metadata;
        string? arch = md.Architecture;
        var hyper = new List<(string, GgufValue)>();
        if (arch != null)
        {
            string prefix = arch + ".";
            foreach (string key in md.Keys)
                if (key.StartsWith(prefix, StringComparison.Ordinal)) hyper.Add((key[prefix.Length..], md[key]));
        }
        return new ModelSummary
        {
            Path = file.Path ?? "",
            FileSize = file.Length,
            Version = file.Version,
            IsCheckpointFolder = file.IsView,
            Alignment = file.Header.Alignment,
            DataOffset = file.Header.DataOffset,
            Architecture = arch,
            Name = md.GetStringOrNull(GgufKeys.Name),
            Metadata = md,
            HyperParameters = hyper,
            TokenizerModel = md.GetStringOrNull(GgufKeys.TokenizerModel),
            TokenizerPre = md.GetStringOrNull(GgufKeys.TokenizerPre),
            VocabularySize = md.GetArrayOrNull(GgufKeys.Tokens)?.Count,
            MergeCount = md.GetArrayOrNull(GgufKeys.Merges)?.Count,
            ChatTemplate = md.GetStringOrNull(GgufKeys.ChatTemplate),
            Tensors = file.Tensors,
        };
    }

    /// <summary>"tokenizer.ggml.bos_token_id" → "bos_token_id".</summary>
    public static string ShortTokenizerKey(string key) => key.StartsWith("tokenizer.ggml.", StringComparison.Ordinal) ? key["tokenizer.ggml.".Length..] : key;
}
