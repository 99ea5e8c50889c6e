using System.CommandLine;
using Spindle.Cli.Options;
using Spindle.Decoding.EntropyAdaptive;
using Spindle.Generation;

namespace Spindle.Cli.Commands;

/// <summary>
/// The entropy-adaptive decoding flags (lossy: the output is neither model's own): --ead-small names a second, smaller
/// model over the same vocabulary that generates while the rolling entropy of the active model's next-token distribution
/// is low, handing over to --model (the large one) above --ead-up and back below --ead-down (--ead-small-entropy: measure
/// the small model at every step, see <see cref="EntropySource.SmallModel"/>). Thresholds are in nats; ranges are checked
/// while parsing, what depends on two flags here.
/// </summary>
internal sealed class EadFlags
{
    private static readonly EntropyAdaptiveOptions Defaults = new();

    // Entropy of a next-token distribution is at most ln(vocabulary size): ln 256000 ≈ 12.5 nats; 100 only catches typos.
    private static readonly NumericRange Nats = NumericRange.Reals(0, 100);

    private readonly Option<string?> _small = new("--ead-small")
    {
        Description = "Entropy-adaptive decoding (lossy): generate with this smaller model (same vocabulary) and let --model take over while the rolling entropy is high",
    };
    private readonly Option<float?> _up = NumericOption.OptionalFloat("--ead-up", $"EAD: rolling entropy in nats above which the large model takes over (default {Defaults.TauUp})", Nats);
    private readonly Option<float?> _down = NumericOption.OptionalFloat("--ead-down", "EAD: rolling entropy in nats below which the small model takes back over (default 0.8 × --ead-up)", Nats);
    private readonly Option<int> _window = NumericOption.Int("--ead-window", "EAD: steps the rolling entropy averages", NumericRange.Integers(1, EntropyAdaptiveOptions.MaxWindow), Defaults.Window);
    private readonly Option<bool> _smallEntropy = new("--ead-small-entropy")
    {
        Description = "EAD: always measure the small model's entropy (it then evaluates every token), not the active model's",
    };

    public IEnumerable<Option> All => [_small, _up, _down, _window, _smallEntropy];

    /// <summary>What --ead-* asked for: the settings and the small model, which the caller disposes.</summary>
    public sealed record Selection(EntropyAdaptiveOptions Options, SpindleModel Small);

    /// <summary>
    /// The settings and the loaded small model, or null without --ead-small. The small model is loaded with the large
    /// one's threads, context, cache type and tokenizer override, and its vocabulary is checked against the large one's.
    /// </summary>
    /// <exception cref="CliException">an --ead-* flag without --ead-small, --ead-down above --ead-up, or vocabularies that differ.</exception>
    public Selection? Load(ParseResult parse, SpindleModel large)
    {
        ArgumentNullException.ThrowIfNull(parse);
        ArgumentNullException.ThrowIfNull(large);
        string? smallPath = parse.GetValue(_small);
        float? up = parse.GetValue(_up), down = parse.GetValue(_down);
        if (smallPath is null)
        {
            if (up is not null || down is not null || parse.GetResult(_window) is { Implicit: false } || parse.GetValue(_smallEntropy))
                throw new CliException("--ead-up, --ead-down, --ead-window and --ead-small-entropy need --ead-small");
            return null;
        }
        double tauUp = up ?? Defaults.TauUp;
        double tauDown = down ?? 0.8 * tauUp;
        if (tauDown > tauUp) throw new CliException($"--ead-down ({tauDown}) must not exceed --ead-up ({tauUp})");
        var options = new EntropyAdaptiveOptions
        {
            Window = parse.GetValue(_window), TauUp = tauUp, TauDown = tauDown,
            EntropySource = parse.GetValue(_smallEntropy) ? EntropySource.SmallModel : EntropySource.ActiveModel,
        };

        var small = ModelCommandOptions.LoadSpindle(smallPath, large.Options.ThreadCount, large.Options.ContextLength,
            large.Options.ChatTemplate, large.Options.TokenizerPath, large.Options.CacheType);
        try
        {
            // The decoder checks the same on construction; checking here reports it as a usage error before any work.
            _ = new EntropyAdaptiveDecoder(small, large, options);
        }
        catch (ArgumentException ex)
        {
            small.Dispose();
            throw new CliException($"--ead-small {smallPath}: {ex.Message}");
        }
        return new Selection(options, small);
    }
}
