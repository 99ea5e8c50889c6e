using System.Diagnostics;
using System.Numerics.Tensors;

namespace Spindle.Tensors;

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
}
