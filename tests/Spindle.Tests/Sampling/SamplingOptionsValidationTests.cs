using System.Reflection;
using Spindle.Generation;
using Spindle.Sampling;
using static Spindle.Tests.Generation.GenerationTestModels;

namespace Spindle.Tests.Sampling;

/// <summary>
/// The library refuses what the CLI refuses, for callers that do not come through it (the server): every float option
/// NaN or infinite, and each out of its range, is an <see cref="ArgumentOutOfRangeException"/> naming the property;
/// the values llama.cpp gives a meaning are accepted.
/// </summary>
public class SamplingOptionsValidationTests
{
    private static readonly float[] NonFinite = [float.NaN, float.PositiveInfinity, float.NegativeInfinity];

    public static TheoryData<string> FloatProperties()
    {
        var data = new TheoryData<string>();
        foreach (var p in typeof(SamplingOptions).GetProperties(BindingFlags.Public | BindingFlags.Instance))
            if (p.PropertyType == typeof(float) && p.CanWrite) data.Add(p.Name);
        return data;
    }

    private static SamplingOptions With(string property, object value)
    {
        var options = new SamplingOptions();
        // Records' init setters are reachable through reflection on a fresh copy.
        var copy = options with { };
        typeof(SamplingOptions).GetProperty(property)!.SetValue(copy, value);
        return copy;
    }

    [Theory]
    [MemberData(nameof(FloatProperties))]
    public void NonFiniteValuesNameTheProperty(string property)
    {
        foreach (float v in NonFinite)
        {
            var e = Assert.Throws<ArgumentOutOfRangeException>(() => With(property, v).Validate());
            Assert.Equal(property, e.ParamName);
        }
    }

    [Theory]
    [InlineData(nameof(SamplingOptions.Temperature), -0.1f)]
    [InlineData(nameof(SamplingOptions.TopP), 2f)]
    [InlineData(nameof(SamplingOptions.TopP), -0.5f)]
    [InlineData(nameof(SamplingOptions.MinP), 1.5f)]
    [InlineData(nameof(SamplingOptions.TypicalP), 1.01f)]
    [InlineData(nameof(SamplingOptions.XtcProbability), 2f)]
    [InlineData(nameof(SamplingOptions.XtcThreshold), -1f)]
    [InlineData(nameof(SamplingOptions.RepetitionPenalty), 0f)]
    [InlineData(nameof(SamplingOptions.RepetitionPenalty), -1f)]
    [InlineData(nameof(SamplingOptions.DryBase), 0.5f)]
    [InlineData(nameof(SamplingOptions.DryMultiplier), -1f)]
    [InlineData(nameof(SamplingOptions.MirostatTau), -1f)]
    [InlineData(nameof(SamplingOptions.DynamicTemperatureRange), -1f)]
    [InlineData(nameof(SamplingOptions.TopK), -1)]
    [InlineData(nameof(SamplingOptions.PenaltyWindow), -2)]
    [InlineData(nameof(SamplingOptions.Mirostat), 3)]
    [InlineData(nameof(SamplingOptions.DryAllowedLength), -1)]
    public void OutOfRangeValuesNameTheProperty(string property, object value)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => With(property, value).Validate());
        Assert.Equal(property, e.ParamName);
        // The chain builder checks too, so nothing downstream sees the value.
        Assert.Throws<ArgumentOutOfRangeException>(() => SamplerChainBuilder.Build(With(property, value), 16, 16));
    }

    [Fact]
    public void ValuesLlamaCppGivesAMeaningAreAccepted()
    {
        new SamplingOptions { TopK = 0, TopP = 1, MinP = 0, TypicalP = 1, TopNSigma = -1, RepetitionPenalty = 1, PenaltyWindow = -1, Temperature = 0 }.Validate();
        new SamplingOptions { LogitBias = new Dictionary<int, float> { [3] = float.NegativeInfinity } }.Validate();
        Assert.Throws<ArgumentOutOfRangeException>(() => new SamplingOptions { LogitBias = new Dictionary<int, float> { [3] = float.NaN } }.Validate());
    }

    [Fact]
    public void GenerateAsyncRefusesBeforeAnyWork()
    {
        using var model = Load(Stories260K);
        var options = new GenerationOptions { Sampling = new SamplingOptions { TopP = 2f } };
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => Collect(model.GenerateAsync("Once", options)));
        Assert.Equal("TopP", e.ParamName);
        Assert.Equal(0, model.Session.TokenCount);
        Assert.Throws<ArgumentOutOfRangeException>(() => new GenerationOptions { MaxTokens = -1 }.Validate());
        Assert.Throws<ArgumentException>(() => new GenerationOptions { StopStrings = [""] }.Validate());
        Assert.Throws<ArgumentOutOfRangeException>(() => new GenerationOptions { Beam = new Spindle.Decoding.BeamSearchOptions { LengthPenalty = float.NaN } }.Validate());
    }
}
