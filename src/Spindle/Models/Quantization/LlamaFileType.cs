using Spindle.Tensors.Blocks;

namespace Spindle.Models.Quantization;

/// <summary>
/// File types as llama.cpp numbers them in <c>general.file_type</c> (llama.h, llama_ftype): the type most weights get,
/// plus a recipe for the rest (e.g. Q4_K_M keeps some attn_v / ffn_down in Q6_K).
/// </summary>
public enum LlamaFileType
{
    AllF32 = 0,
    MostlyF16 = 1,
    MostlyQ4_0 = 2,
    MostlyQ4_1 = 3,
    MostlyQ8_0 = 7,
    MostlyQ5_0 = 8,
    MostlyQ5_1 = 9,
    MostlyQ2_K = 10,
    MostlyQ3_K_S = 11,
    MostlyQ3_K_M = 12,
    MostlyQ3_K_L = 13,
    MostlyQ4_K_S = 14,
    MostlyQ4_K_M = 15,
    MostlyQ5_K_S = 16,
    MostlyQ5_K_M = 17,
    MostlyQ6_K = 18,
    MostlyIQ4_NL = 25,
    MostlyIQ4_XS = 30,
    MostlyBF16 = 32,
}

public static class LlamaFileTypes
{
    /// <summary>Names as `llama-quantize` and `spindle quantize` accept them (case-insensitive).</summary>
    private static readonly (string Name, LlamaFileType Type)[] Names =
    [
        ("f32", LlamaFileType.AllF32), ("f16", LlamaFileType.MostlyF16), ("bf16", LlamaFileType.MostlyBF16),
        ("q8_0", LlamaFileType.MostlyQ8_0), ("q4_0", LlamaFileType.MostlyQ4_0), ("q4_1", LlamaFileType.MostlyQ4_1),
        ("q5_0", LlamaFileType.MostlyQ5_0), ("q5_1", LlamaFileType.MostlyQ5_1), ("q2_k", LlamaFileType.MostlyQ2_K),
        ("q3_k_s", LlamaFileType.MostlyQ3_K_S), ("q3_k_m", LlamaFileType.MostlyQ3_K_M), ("q3_k", LlamaFileType.MostlyQ3_K_M),
        ("q3_k_l", LlamaFileType.MostlyQ3_K_L), ("q4_k_s", LlamaFileType.MostlyQ4_K_S), ("q4_k_m", LlamaFileType.MostlyQ4_K_M),
        ("q4_k", LlamaFileType.MostlyQ4_K_M), ("q5_k_s", LlamaFileType.MostlyQ5_K_S), ("q5_k_m", LlamaFileType.MostlyQ5_K_M),
        ("q5_k", LlamaFileType.MostlyQ5_K_M), ("q6_k", LlamaFileType.MostlyQ6_K), ("iq4_nl", LlamaFileType.MostlyIQ4_NL),
        ("iq4_xs", LlamaFileType.MostlyIQ4_XS),
    ];

    public static IEnumerable<string> KnownNames => Names.Select(n => n.Name);

    public static LlamaFileType Parse(string name)
    {
        foreach (var (n, t) in Names)
        {
            if (string.Equals(n, name, StringComparison.OrdinalIgnoreCase)) return t;
        }
        throw new ArgumentException($"unknown quantization type '{name}' (known: {string.Join(", ", KnownNames)})", nameof(name));
    }

    /// <summary>
    /// The name of a <c>general.file_type</c> value as llama.cpp numbers them (llama.h's llama_ftype), in
    /// `llama-quantize` spelling upper-cased: "Q4_K_M", "F16", "all F32". Every number llama.cpp defines has a name,
    /// including types Spindle cannot compute with; an unknown one shows as "unknown (N)".
    /// </summary>
    public static string DisplayName(long fileType) => fileType switch
    {
        0 => "all F32", 1 => "F16", 2 => "Q4_0", 3 => "Q4_1", 4 => "Q4_1 (some F16)", 7 => "Q8_0", 8 => "Q5_0", 9 => "Q5_1",
        10 => "Q2_K", 11 => "Q3_K_S", 12 => "Q3_K_M", 13 => "Q3_K_L", 14 => "Q4_K_S", 15 => "Q4_K_M", 16 => "Q5_K_S",
        17 => "Q5_K_M", 18 => "Q6_K", 19 => "IQ2_XXS", 20 => "IQ2_XS", 21 => "Q2_K_S", 22 => "IQ3_XS", 23 => "IQ3_XXS",
        24 => "IQ1_S", 25 => "IQ4_NL", 26 => "IQ3_S", 27 => "IQ3_M", 28 => "IQ2_S", 29 => "IQ2_M", 30 => "IQ4_XS",
        31 => "IQ1_M", 32 => "BF16", 36 => "TQ1_0", 37 => "TQ2_0", 38 => "MXFP4_MOE",
        _ => $"unknown ({fileType})",
    };

    /// <summary>The type that weights get unless the recipe says otherwise.</summary>
    public static GgmlType DefaultType(LlamaFileType fileType) => fileType switch
    {
        LlamaFileType.AllF32 => GgmlType.F32,
        LlamaFileType.MostlyF16 => GgmlType.F16,
        LlamaFileType.MostlyBF16 => GgmlType.BF16,
        LlamaFileType.MostlyQ8_0 => GgmlType.Q8_0,
        LlamaFileType.MostlyQ4_0 => GgmlType.Q4_0,
        LlamaFileType.MostlyQ4_1 => GgmlType.Q4_1,
        LlamaFileType.MostlyQ5_0 => GgmlType.Q5_0,
        LlamaFileType.MostlyQ5_1 => GgmlType.Q5_1,
        LlamaFileType.MostlyQ2_K => GgmlType.Q2_K,
        LlamaFileType.MostlyQ3_K_S or LlamaFileType.MostlyQ3_K_M or LlamaFileType.MostlyQ3_K_L => GgmlType.Q3_K,
        LlamaFileType.MostlyQ4_K_S or LlamaFileType.MostlyQ4_K_M => GgmlType.Q4_K,
        LlamaFileType.MostlyQ5_K_S or LlamaFileType.MostlyQ5_K_M => GgmlType.Q5_K,
        LlamaFileType.MostlyQ6_K => GgmlType.Q6_K,
        LlamaFileType.MostlyIQ4_NL => GgmlType.IQ4_NL,
        LlamaFileType.MostlyIQ4_XS => GgmlType.IQ4_XS,
        _ => throw new ArgumentOutOfRangeException(nameof(fileType), fileType, "unsupported file type"),
    };
}
