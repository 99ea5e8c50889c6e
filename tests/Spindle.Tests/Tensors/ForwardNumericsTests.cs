using Spindle.Tensors.Ops;

namespace Spindle.Tests.Tensors;

/// <summary>The forward pass's element-wise numerics against straightforward double-precision references.</summary>
public sealed class ForwardNumericsTests
{
    // 0 to 3 × Vector512<float>.Count + 1, as the style guide asks of every kernel.
    public static TheoryData<int> Lengths()
    {
        var data = new TheoryData<int>();
        for (int n = 0; n <= 49; n++) data.Add(n);
        data.Add(64);
        data.Add(172);
        return data;
    }

    private static float[] RandomVector(int n, int seed, double scale = 2.0)
    {
        var rng = new Random(seed);
        var v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float)((rng.NextDouble() - 0.5) * scale);
        return v;
    }

    [Theory]
    [MemberData(nameof(Lengths))]
    public void HeadVectorDotAndMultiplyAddMatchScalar(int n)
    {
        var x = RandomVector(n, 1);
        var y = RandomVector(n, 2);
        double expected = 0;
        for (int i = 0; i < n; i++) expected += (double)x[i] * y[i];
        Assert.Equal(expected, HeadVectors.Dot(ref x.AsSpan().GetPinnableReference(), ref y.AsSpan().GetPinnableReference(), n), 1e-4);

        var d = RandomVector(n, 3);
        var reference = d.Select((v, i) => v + 0.75f * x[i]).ToArray();
        if (n > 0) HeadVectors.MultiplyAdd(ref x[0], 0.75f, ref d[0], n);
        for (int i = 0; i < n; i++) Assert.Equal(reference[i], d[i], 1e-6f);
    }

    [Theory]
    [MemberData(nameof(Lengths))]
    public void RmsNormMatchesDefinition(int n)
    {
        if (n == 0) return;
        var x = RandomVector(n, 4);
        var w = RandomVector(n, 5);
        var y = new float[n];
        RmsNorm.Apply(x, w, 1e-5f, y);
        double ms = x.Sum(v => (double)v * v) / n;
        for (int i = 0; i < n; i++) Assert.Equal(x[i] / Math.Sqrt(ms + 1e-5) * w[i], y[i], 1e-5);
    }

    [Theory]
    [MemberData(nameof(Lengths))]
    public void SoftmaxIsStableAndSumsToOne(int n)
    {
        if (n == 0) return;
        var x = RandomVector(n, 6, 200); // large spread: exp without the max shift would overflow
        var expected = x.Select(v => Math.Exp(v - x.Max())).ToArray();
        double sum = expected.Sum();
        Softmax.InPlace(x);
        for (int i = 0; i < n; i++) Assert.Equal(expected[i] / sum, x[i], 1e-6);
    }

    [Theory]
    [MemberData(nameof(Lengths))]
    public void GatedActivationsMatchDefinitions(int n)
    {
        var g = RandomVector(n, 7, 12);
        var u = RandomVector(n, 8);
        var y = new float[n];
        GatedActivations.SwiGlu(g, u, y);
        for (int i = 0; i < n; i++) Assert.Equal(g[i] / (1 + Math.Exp(-g[i])) * u[i], y[i], 1e-5);
        GatedActivations.GeGluTanh(g, u, y);
        for (int i = 0; i < n; i++)
        {
            double x = g[i];
            double gelu = 0.5 * x * (1 + Math.Tanh(Math.Sqrt(2 / Math.PI) * x * (1 + 0.044715 * x * x)));
            Assert.Equal(gelu * u[i], y[i], 1e-5);
        }
    }

    [Theory]
    [MemberData(nameof(Lengths))]
    public void HalfTableGeGluRoundsLikeGgml(int n)
    {
        var g = RandomVector(n, 11, 30); // covers both clamps at ±10
        var u = RandomVector(n, 12);
        var y = new float[n];
        GatedActivations.GeGluTanhHalfTable(g, u, y);
        for (int i = 0; i < n; i++)
        {
            float x = g[i];
            float h = (float)(Half)x;
            float gelu = x <= -10 ? 0 : x >= 10 ? x
                : (float)(Half)(0.5f * h * (1 + MathF.Tanh(0.7978845608f * h * (1 + 0.044715f * h * h))));
            Assert.Equal(gelu * u[i], y[i]);
            double exact = 0.5 * x * (1 + Math.Tanh(Math.Sqrt(2 / Math.PI) * x * (1 + 0.044715 * x * x)));
            Assert.Equal(exact * u[i], y[i], 0.01 * Math.Max(1, Math.Abs(exact)));
        }
    }

    [Theory]
    [InlineData(RopeKind.Normal, 64, 64)]
    [InlineData(RopeKind.Neox, 64, 64)]
    [InlineData(RopeKind.Normal, 64, 32)]
    [InlineData(RopeKind.Neox, 64, 16)]
    public void RopeRotatesTheRightPairs(RopeKind kind, int headDim, int ropeDims)
    {
        const int position = 37;
        const float freqBase = 10000f;
        var head = RandomVector(headDim, 9);
        var original = head.ToArray();
        var table = new float[ropeDims];
        Rope.BuildTable(position, ropeDims, freqBase, table);
        Rope.Apply(head, table, ropeDims, kind);
        for (int i = 0; i < ropeDims / 2; i++)
        {
            double theta = position * Math.Pow(freqBase, -2.0 * i / ropeDims);
            (int a, int b) = kind == RopeKind.Normal ? (2 * i, 2 * i + 1) : (i, i + ropeDims / 2);
            Assert.Equal(original[a] * Math.Cos(theta) - original[b] * Math.Sin(theta), head[a], 1e-4);
            Assert.Equal(original[a] * Math.Sin(theta) + original[b] * Math.Cos(theta), head[b], 1e-4);
        }
        for (int i = ropeDims; i < headDim; i++) Assert.Equal(original[i], head[i]);
    }

    [Fact]
    public void RopeFrequencyFactorsAndLinearScaleDivideTheAngles()
    {
        const int dims = 8, position = 1000;
        float[] factors = [1f, 2f, 4f, 8f];
        var plain = new float[dims];
        var scaled = new float[dims];
        Rope.BuildTable(position, dims, 10000f, plain);
        Rope.BuildTable(position, dims, 10000f, scaled, freqScale: 0.5f, freqFactors: factors);
        for (int i = 0; i < dims / 2; i++)
        {
            double theta = Math.Atan2(plain[2 * i + 1], plain[2 * i]);
            double expected = position * Math.Pow(10000, -2.0 * i / dims) / factors[i] * 0.5;
            Assert.Equal(Math.Cos(expected), scaled[2 * i], 1e-3);
            Assert.Equal(Math.Sin(expected), scaled[2 * i + 1], 1e-3);
            Assert.Equal(Math.Cos(position * Math.Pow(10000, -2.0 * i / dims)), Math.Cos(theta), 1e-3);
        }
    }

    [Fact]
    public void RopeAtPositionZeroIsIdentity()
    {
        var head = RandomVector(16, 10);
        var table = new float[16];
        Rope.BuildTable(0, 16, 10000f, table);
        var rotated = head.ToArray();
        Rope.Apply(rotated, table, 16, RopeKind.Neox);
        Assert.Equal(head, rotated);
    }
}
