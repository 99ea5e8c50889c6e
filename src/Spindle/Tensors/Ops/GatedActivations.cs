using System.Diagnostics;
using System.Numerics.Tensors;

namespace Spindle.Tensors.Ops;

/// <summary>Gated feed-forward activations: <c>y = act(gate) * up</c>, element-wise, computed in place in <c>destination</c>.</summary>
public static class GatedActivations
{
    private const float SqrtTwoOverPi = 0.79788456080286535587989211986876f;
    private const float GeluCoefficient = 0.044715f;

    /// <summary>SwiGLU: silu(gate) * up, silu(x) = x * sigmoid(x).</summary>
    public static void SwiGlu(ReadOnlySpan<float> gate, ReadOnlySpan<float> up, Span<float> destination)
    {
        Debug.Assert(gate.Length == up.Length && destination.Length >= gate.Length);
        if (gate.IsEmpty) return;
        var d = destination.Slice(0, gate.Length);
        TensorPrimitives.Sigmoid(gate, d);
        TensorPrimitives.Multiply(d, gate, d);
        TensorPrimitives.Multiply(d, up, d);
    }

    /// <summary>
    /// GeGLU with the tanh approximation ggml uses:
    /// gelu(x) = 0.5 x (1 + tanh(sqrt(2/π) x (1 + 0.044715 x²))).
    /// </summary>
    public static void GeGluTanh(ReadOnlySpan<float> gate, ReadOnlySpan<float> up, Span<float> destination)
    {
        Debug.Assert(gate.Length == up.Length && destination.Length >= gate.Length);
        var d = destination.Slice(0, gate.Length);
        TensorPrimitives.Multiply(gate, gate, d);
        TensorPrimitives.Multiply(d, GeluCoefficient, d);
        TensorPrimitives.Add(d, 1.0f, d);
        TensorPrimitives.Multiply(d, gate, d);
        TensorPrimitives.Multiply(d, SqrtTwoOverPi, d);
        TensorPrimitives.Tanh(d, d);
        TensorPrimitives.Add(d, 1.0f, d);
        TensorPrimitives.Multiply(d, gate, d);
        TensorPrimitives.Multiply(d, 0.5f, d);
        TensorPrimitives.Multiply(d, up, d);
    }

    /// <summary>
    /// GeGLU as ggml's CPU backend computes it (GGML_GELU_FP16): the input is rounded to half precision and looked up
    /// in a table of gelu values that are themselves stored in half precision; inputs at or below -10 give 0 and at or
    /// above 10 pass through. Matching this rounding brings Gemma's logits measurably closer to llama.cpp's.
    /// </summary>
    public static void GeGluTanhHalfTable(ReadOnlySpan<float> gate, ReadOnlySpan<float> up, Span<float> destination)
    {
        Debug.Assert(gate.Length == up.Length && destination.Length >= gate.Length);
        var table = HalfGeluTable.Values;
        for (int i = 0; i < gate.Length; i++)
        {
            float x = gate[i];
            float g = x <= -10.0f ? 0.0f
                : x >= 10.0f ? x
                : table[BitConverter.HalfToUInt16Bits((Half)x)];
            destination[i] = g * up[i];
        }
    }

    /// <summary>gelu(x) in half precision for every half-precision x, indexed by its bits (256 KiB, built on first use).</summary>
    private static class HalfGeluTable
    {
        public static readonly float[] Values = Build();

        private static float[] Build()
        {
            var values = new float[1 << 16];
            for (int bits = 0; bits < values.Length; bits++)
            {
                float x = (float)BitConverter.UInt16BitsToHalf((ushort)bits);
                float gelu = 0.5f * x * (1.0f + MathF.Tanh(SqrtTwoOverPi * x * (1.0f + GeluCoefficient * x * x)));
                values[bits] = (float)(Half)gelu;
            }
            return values;
        }
    }
}
