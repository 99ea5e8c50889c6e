using System.Text.Json;

namespace Spindle.Tokenization.HuggingFace;

/// <summary>
/// The special tokens a tokenizer.json "post_processor" puts around a single sequence when special tokens are asked
/// for: TemplateProcessing's "single" template, BertProcessing/RobertaProcessing's cls … sep; ByteLevel adds none.
/// </summary>
internal sealed class HfPostProcessor
{
    public static readonly HfPostProcessor None = new([], []);

    private HfPostProcessor(int[] prefix, int[] suffix) { Prefix = prefix; Suffix = suffix; }

    public int[] Prefix { get; }
    public int[] Suffix { get; }

    public static HfPostProcessor FromJson(JsonElement? element)
    {
        if (element is not { } e) return None;
        string type = e.TypeName("post_processor");
        switch (type)
        {
            case "TemplateProcessing":
                return FromTemplate(e);
            case "BertProcessing":
            case "RobertaProcessing":
                return new HfPostProcessor([TokenPairId(e, "cls")], [TokenPairId(e, "sep")]);
            case "ByteLevel":
                return None;
            case "Sequence":
                var prefix = new List<int>();
                var suffix = new List<int>();
                if (e.Property("processors") is { } items)
                {
                    foreach (var item in items.EnumerateArray())
                    {
                        var p = FromJson(item);
                        prefix.AddRange(p.Prefix);
                        suffix.AddRange(p.Suffix);
                    }
                }
                return new HfPostProcessor(prefix.ToArray(), suffix.ToArray());
            default:
                throw new NotSupportedException($"tokenizer.json: post_processor type '{type}' is not supported");
        }
    }

    // ["[CLS]", 101]
    private static int TokenPairId(JsonElement e, string name)
    {
        var pair = e.Property(name) ?? throw new FormatException($"tokenizer.json: post_processor needs \"{name}\"");
        return pair[1].GetInt32();
    }

    private static HfPostProcessor FromTemplate(JsonElement e)
    {
        var single = e.Property("single") ?? throw new FormatException("tokenizer.json: TemplateProcessing needs \"single\"");
        var specials = e.Property("special_tokens");
        var prefix = new List<int>();
        var suffix = new List<int>();
        bool seenSequence = false;
        foreach (var piece in single.EnumerateArray())
        {
            if (piece.Property("Sequence") is not null)
            {
                seenSequence = true;
                continue;
            }
            var special = piece.Property("SpecialToken")
                ?? throw new FormatException("tokenizer.json: a TemplateProcessing piece must be Sequence or SpecialToken");
            string name = special.RequiredString("id", "TemplateProcessing SpecialToken");
            var entry = specials?.Property(name)
                ?? throw new FormatException($"tokenizer.json: TemplateProcessing special token '{name}' is not in special_tokens");
            var ids = entry.Property("ids") ?? throw new FormatException($"tokenizer.json: special token '{name}' has no ids");
            foreach (var id in ids.EnumerateArray()) (seenSequence ? suffix : prefix).Add(id.GetInt32());
        }
        return new HfPostProcessor(prefix.ToArray(), suffix.ToArray());
    }
}
