using System.Numerics.Tensors;

namespace Spindle.Tensors.Ops;

/// <summary>Numerically stable softmax in place: exp(x - max) / sum.</summary>
public static class Softmax
{
    public static void InPlace(Span<float> values)
    {
        if (values.IsEmpty) return;
        float max = TensorPrimitives.Max(values);
        TensorPrimitives.Subtract(values, max, values);
        TensorPrimitives.Exp(values, values);
        float sum = TensorPrimitives.Sum(values);
        TensorPrimitives.Multiply(values, 1.0f / sum, values);
    }
}
