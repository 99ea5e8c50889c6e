using System.Diagnostics;
using Spindle.Models;
using Spindle.Tests.Generation;
using Spindle.Watermarking;
using Spindle.Watermarking.Codable;

namespace Spindle.Tests.Watermarking;

/// <summary>Codable watermarks end to end: messages embedded in stories260K's text at temperature 1 and read back.</summary>
public sealed class CodableGenerationTests(ITestOutputHelper output)
{
    private static readonly WatermarkKey Key = WatermarkKey.FromString("spindle codable");

    [Theory]
    [InlineData(12, 0x5A3UL)]
    [InlineData(8, 0xC6UL)]
    public void BalanceMarkingWithTheSmallerModelAsProxyDecodes(int bits, ulong message)
    {
        using var model = GenerationTestModels.Load(GenerationTestModels.Stories260K);
        using var proxyModel = Model.Load(WatermarkTestGeneration.Stories281K, new ModelOptions { ThreadCount = 1 });
        var options = new CodableOptions { Key = Key, MessageBits = bits, Message = message, ProxyModel = proxyModel };
        Run(model, options, new ModelProxyDistribution(proxyModel, model.Vocabulary.BosId), prompts: 2);
    }

    [Fact]
    public void BalanceMarkingWithTheModelItselfAsProxyDecodes()
    {
        using var model = GenerationTestModels.Load(GenerationTestModels.Stories260K);
        var options = new CodableOptions { Key = Key, MessageBits = 8, Message = 0x3B };
        Run(model, options, new ModelProxyDistribution(model.Model, model.Vocabulary.BosId), prompts: 2);
    }

    [Fact]
    public void VanillaMarkingDecodes()
    {
        using var model = GenerationTestModels.Load(GenerationTestModels.Stories260K);
        var options = new CodableOptions { Key = Key, Scheme = CodableScheme.Vanilla, MessageBits = 12, Message = 0x9E1 };
        Run(model, options, null, prompts: 2);
    }

    private void Run(Spindle.Generation.SpindleModel model, CodableOptions options, IProxyDistribution? proxy, int prompts)
    {
        var decoder = new CodableDecoder(options, proxy);
        var wrongKey = new CodableDecoder(options with { Key = WatermarkKey.FromString("wrong") }, proxy);
        for (int i = 0; i < prompts; i++)
        {
            string prompt = WatermarkTestGeneration.Prompts[i];
            ulong seed = 500 + (ulong)i;
            int[] marked = WatermarkTestGeneration.Generate(model, prompt, seed, 200, options);
            int[] plain = WatermarkTestGeneration.Generate(model, prompt, seed, 200, null);
            var clock = Stopwatch.StartNew();
            var m = decoder.Decode(marked);
            var elapsed = clock.Elapsed;
            var p = decoder.Decode(plain);
            var w = wrongKey.Decode(marked);
            output.WriteLine($"{options.Scheme} {options.MessageBits} bits, {prompt}: {marked.Length} tokens, {m.ScoredTokens} scored, "
                + $"message {m.Message:X} (sent {options.Message:X}), best {m.Segments[0].BestScore} vs {m.Segments[0].RunnerUpScore}, p {m.PValue:G3}, {m.Verdict} "
                + $"({elapsed.TotalMilliseconds:F0} ms); plain p {p.PValue:G3} {p.Verdict}; wrong key p {w.PValue:G3} {w.Verdict}");
            Assert.Equal(options.Message, m.Message);
            Assert.True(m.PValue < 1e-3, $"p = {m.PValue}");
            Assert.NotEqual(WatermarkVerdict.Watermarked, p.Verdict);
            Assert.NotEqual(WatermarkVerdict.Watermarked, w.Verdict);
        }
    }
}
