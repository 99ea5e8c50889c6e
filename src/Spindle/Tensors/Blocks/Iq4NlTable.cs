namespace Spindle.Tensors.Blocks;

/// <summary>ggml's kvalues_iq4nl: the 16 non-linear levels shared by IQ4_NL and IQ4_XS (ggml-common.h).</summary>
public static class Iq4NlTable
{
    public static ReadOnlySpan<sbyte> Values => [-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113];
}
