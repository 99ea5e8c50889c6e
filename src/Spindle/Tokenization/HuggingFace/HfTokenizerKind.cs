using System.Text.Json;
using Spindle.Tokenization.Bpe;

namespace Spindle.Tokenization.HuggingFace;

/// <summary>
/// Which GGUF token table can stand for a tokenizer.json: "llama" for SentencePiece-style BPE (spaces written as ▁,
/// byte fallback), "gpt2" for byte-level BPE, none for anything else. Read from the component types, not run.
/// </summary>
internal sealed record HfTokenizerKind(string? GgufModel, string? Pre, bool AddSpacePrefix)
{
    private const string Metaspace = "▁";
    private const int MaxNesting = 8;

    public static HfTokenizerKind Detect(JsonElement root)
    {
        var normalizers = Flatten(root.Property("normalizer"), "normalizers");
        var preTokenizers = Flatten(root.Property("pre_tokenizer"), "pretokenizers");
        var decoders = Flatten(root.Property("decoder"), "decoders");

        bool byteLevel = HasType(preTokenizers, "ByteLevel") || HasType(decoders, "ByteLevel");
        if (byteLevel) return new HfTokenizerKind("gpt2", ByteLevelPre(preTokenizers), false);

        bool prepend = false, escapesSpaces = false;
        foreach (var n in normalizers)
        {
            string type = n.StringOrNull("type") ?? "";
            if (type == "Prepend" && n.StringOrNull("prepend") == Metaspace) prepend = true;
            if (type == "Replace" && n.Property("pattern")?.StringOrNull("String") == " " && n.StringOrNull("content") == Metaspace)
                escapesSpaces = true;
        }
        foreach (var p in preTokenizers)
        {
            if (p.StringOrNull("type") != "Metaspace") continue;
            escapesSpaces = true;
            string scheme = p.StringOrNull("prepend_scheme") ?? (p.Bool("add_prefix_space", true) ? "always" : "never");
            prepend |= scheme != "never";
        }
        return escapesSpaces ? new HfTokenizerKind("llama", "default", prepend) : new HfTokenizerKind(null, null, false);
    }

    /// <summary>
    /// llama.cpp names byte-level pre-tokenizers by their regex (it recognises a model by hashing its tokenization);
    /// the regexes Spindle knows map to their names, anything else to "default" (llama.cpp's fallback).
    /// </summary>
    private static string ByteLevelPre(List<JsonElement> preTokenizers)
    {
        foreach (var p in preTokenizers)
        {
            string type = p.StringOrNull("type") ?? "";
            if (type == "Split" && p.Property("pattern")?.StringOrNull("Regex") is { } regex)
            {
                // Tokenizers write the contractions case-insensitively; llama.cpp spells the same alternatives out.
                regex = regex.Replace("(?i:'s|'t|'re|'ve|'m|'ll|'d)", "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])", StringComparison.Ordinal);
                return regex switch
                {
                    Gpt2Splitter.Pattern => "gpt-2",
                    Llama3Splitter.Llama3Pattern => "llama-bpe",
                    Llama3Splitter.Qwen2Pattern => "qwen2",
                    _ => "default",
                };
            }
            if (type == "ByteLevel" && p.Bool("use_regex", true)) return "gpt-2";
        }
        return "default";
    }

    private static bool HasType(List<JsonElement> items, string type)
    {
        foreach (var item in items)
            if (item.StringOrNull("type") == type) return true;
        return false;
    }

    /// <summary>The component and, for a "Sequence", its members (nested sequences up to <see cref="MaxNesting"/> levels).</summary>
    private static List<JsonElement> Flatten(JsonElement? element, string listName)
    {
        var result = new List<JsonElement>();
        var pending = new Stack<(JsonElement Element, int Depth)>();
        if (element is { } e) pending.Push((e, 0));
        while (pending.Count > 0)
        {
            var (item, depth) = pending.Pop();
            if (item.ValueKind != JsonValueKind.Object) continue;
            if (item.StringOrNull("type") == "Sequence" && depth < MaxNesting && item.Property(listName) is { ValueKind: JsonValueKind.Array } list)
            {
                // Pushed in reverse so members come out in order.
                var members = new List<JsonElement>();
                foreach (var m in list.EnumerateArray()) members.Add(m);
                for (int i = members.Count - 1; i >= 0; i--) pending.Push((members[i], depth + 1));
                continue;
            }
            result.Add(item);
        }
        return result;
    }
}
