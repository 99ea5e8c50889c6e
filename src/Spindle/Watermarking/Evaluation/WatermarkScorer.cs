using Spindle.Models;
using Spindle.Watermarking.Codable;
using Spindle.Watermarking.Kgw;
using Spindle.Watermarking.Tournament;

namespace Spindle.Watermarking.Evaluation;

/// <summary>One text's detection: a score (higher = more watermarked), the detector's verdict and, for codable schemes, the message read.</summary>
/// <param name="Score">−log₁₀ of the detector's p-value (+∞ when it underflows to 0), so every scheme is ranked by its own test.</param>
public readonly record struct ScoredText(double Score, WatermarkVerdict Verdict, int ScoredTokens, ulong Message);

/// <summary>
/// The detector of any <see cref="WatermarkOptions"/> behind one call, for evaluations that treat schemes alike:
/// KGW's z-test, the tournament's exact binomial test, the codable maximum-likelihood decoder (Balance-Marking with a
/// proxy over <see cref="Codable.CodableOptions.ProxyModel"/> or the generating model, reading from its start token as
/// during generation). Not thread-safe (the proxy keeps a cache).
/// </summary>
public sealed class WatermarkScorer
{
    private readonly Func<int[], ScoredText> _score;

    /// <param name="model">The generating model: Balance-Marking's proxy when the options name none.</param>
    /// <param name="startToken">The proxy's start token (the vocabulary's BOS; −1: none).</param>
    public WatermarkScorer(WatermarkOptions options, Model model, int startToken, DetectionOptions? detection = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(model);
        switch (options)
        {
            case KgwOptions kgw:
            {
                var detector = new KgwDetector(kgw, detection);
                _score = tokens =>
                {
                    var d = detector.Detect(tokens);
                    return new ScoredText(Score(d.PValue), d.Verdict, d.ScoredTokens, 0);
                };
                break;
            }
            case TournamentOptions tournament:
            {
                var detector = new TournamentDetector(tournament, detection);
                _score = tokens =>
                {
                    var d = detector.Detect(tokens);
                    return new ScoredText(Score(d.PValue), d.Verdict, d.ScoredTokens, 0);
                };
                break;
            }
            case CodableOptions codable:
            {
                IProxyDistribution? proxy = null;
                if (codable.Scheme == CodableScheme.Balance)
                {
                    var proxyModel = codable.ProxyModel ?? model;
                    if (proxyModel.Config.VocabSize != model.Config.VocabSize)
                        throw new ArgumentException($"the proxy model has {proxyModel.Config.VocabSize} tokens, the generating model {model.Config.VocabSize}", nameof(options));
                    proxy = new ModelProxyDistribution(proxyModel, startToken >= 0 && startToken < proxyModel.Config.VocabSize ? startToken : null);
                }
                var decoder = new CodableDecoder(codable, proxy, detection);
                MessageBits = codable.MessageBits;
                _score = tokens =>
                {
                    var d = decoder.Decode(tokens);
                    return new ScoredText(Score(d.PValue), d.Verdict, d.ScoredTokens, d.Message);
                };
                break;
            }
            default:
                throw new ArgumentException($"no detector for {options.GetType().Name}", nameof(options));
        }
    }

    /// <summary>The message length of a codable scheme; 0 for the one-bit schemes.</summary>
    public int MessageBits { get; }

    public ScoredText Score(int[] tokens) => _score(tokens);

    /// <summary>−log₁₀ p, +∞ for p = 0.</summary>
    public static double Score(double pValue) => pValue <= 0 ? double.PositiveInfinity : -Math.Log10(pValue);
}
