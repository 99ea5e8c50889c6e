using Spindle.Models;
using Spindle.Sampling;
using Spindle.Watermarking.Codable;
using Spindle.Watermarking.Kgw;
using Spindle.Watermarking.Tournament;

namespace Spindle.Watermarking;

/// <summary>
/// Turns <see cref="WatermarkOptions"/> into the sampler chain's parts: KGW and codable watermarks are mask stages
/// (after the constraint), the tournament replaces the sampling picker (greedy decoding keeps its own and is not
/// watermarked; Mirostat is refused by <see cref="Generation.GenerationOptions.Validate"/>).
/// </summary>
internal static class WatermarkStages
{
    /// <summary>The mask stage of <paramref name="options"/>, or null when the watermark is a picker.</summary>
    /// <param name="model">The generating model: the default proxy, and the vocabulary size a proxy must match.</param>
    /// <param name="bosId">The start token of a model proxy (−1: none).</param>
    public static ILogitsStage? CreateMaskStage(WatermarkOptions options, Model model, int bosId) => options switch
    {
        KgwOptions kgw => new KgwStage(kgw),
        CodableOptions { Scheme: CodableScheme.Vanilla } vanilla => new CodableStage(vanilla, null),
        CodableOptions balance => new CodableStage(balance, CreateProxy(balance, model, bosId)),
        _ => null,
    };

    /// <summary>The sampling picker of <paramref name="options"/>, or null for the default one.</summary>
    public static Func<SamplerRng, ILogitsStage>? PickerFactory(WatermarkOptions options) =>
        options is TournamentOptions tournament ? rng => new TournamentPicker(tournament, rng) : null;

    private static ModelProxyDistribution CreateProxy(CodableOptions options, Model model, int bosId)
    {
        var proxyModel = options.ProxyModel ?? model;
        if (proxyModel.Config.VocabSize != model.Config.VocabSize)
            throw new ArgumentException(
                $"the proxy model has {proxyModel.Config.VocabSize} tokens, the generating model {model.Config.VocabSize}; they must share a vocabulary",
                nameof(options));
        return new ModelProxyDistribution(proxyModel, bosId >= 0 && bosId < proxyModel.Config.VocabSize ? bosId : null);
    }
}
