using Spindle.Generation;
using Spindle.Sampling;
using Spindle.Tests.Generation;
using Spindle.Watermarking;

namespace Spindle.Tests.Watermarking;

/// <summary>Generation helpers shared by the watermark tests.</summary>
internal static class WatermarkTestGeneration
{
    public static string Stories281K => SharedData.PathOf("models", "stories281K", "stories281K.f32.gguf");

    /// <summary>Temperature 1 over the whole vocabulary: the model's own distribution.</summary>
    public static SamplingOptions Pure { get; } = new() { Temperature = 1f, TopK = 0, TopP = 1f, MinP = 0f };

    public static readonly string[] Prompts =
    [
        "Once upon a time", "The little dog", "Lily wanted to", "One day, a boy named Tom", "The sun was", "Mom said",
        "They went to the park and", "The cat saw a bird",
    ];

    /// <summary>The generated token ids (the end-of-generation token included when it came).</summary>
    public static int[] Generate(SpindleModel model, string prompt, ulong seed, int maxTokens, WatermarkOptions? watermark,
        SamplingOptions? sampling = null) =>
        GenerationTestModels.IdsOf(GenerationTestModels.Collect(model.GenerateAsync(prompt, Options(seed, maxTokens, watermark, sampling))));

    public static GenerationOptions Options(ulong seed, int maxTokens, WatermarkOptions? watermark, SamplingOptions? sampling = null) =>
        new() { MaxTokens = maxTokens, Sampling = sampling ?? Pure, Seed = seed, Watermark = watermark };
}
