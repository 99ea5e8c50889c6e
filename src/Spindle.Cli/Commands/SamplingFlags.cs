using System.CommandLine;
using Spindle.Cli.Options;
using Spindle.Sampling;

namespace Spindle.Cli.Commands;

/// <summary>
/// The sampling options `generate`, `chat` and `agent` share, with llama.cpp's defaults (temperature 0.8, top-k 40,
/// top-p 0.95, min-p 0.05, penalties off, seed random unless given). --temp 0 is greedy. Every value is checked against
/// its range while parsing (<see cref="NumericOption"/>); the values llama.cpp gives a meaning keep it: --seed −1 is
/// random, --top-k 0, --top-p 1, --repeat-penalty 1 and --top-nsigma −1 are off, --repeat-last-n −1 is the context.
/// The upper bounds are far past any useful setting; they exist so that a typo (1e30) is an error, not a silent no-op.
/// </summary>
internal sealed class SamplingFlags
{
    private static readonly SamplingOptions Defaults = new();

    private static readonly NumericRange Probability = NumericRange.Reals(0, 1);
    private static readonly NumericRange Scale = NumericRange.Reals(0, 100);

    public Option<float> Temperature { get; } = NumericOption.Float("--temp", "Temperature (0 = greedy)", Scale, Defaults.Temperature);
    public Option<int> TopK { get; } = NumericOption.Int("--top-k", "Top-k (0 = off)", NumericRange.Integers(0, 1_000_000), Defaults.TopK);
    public Option<float> TopP { get; } = NumericOption.Float("--top-p", "Top-p / nucleus (1 = off)", Probability, Defaults.TopP);
    public Option<float> MinP { get; } = NumericOption.Float("--min-p", "Min-p (0 = off)", Probability, Defaults.MinP);
    public Option<float> Typical { get; } = NumericOption.Float("--typical", "Locally typical sampling p (1 = off)", Probability, Defaults.TypicalP);
    public Option<float> TopNSigma { get; } = NumericOption.Float("--top-nsigma", "Top-nσ (−1 or 0 = off)", NumericRange.Reals(0, 100, -1), Defaults.TopNSigma);
    public Option<float> DynatempRange { get; } = NumericOption.Float("--dynatemp-range", "Dynamic temperature range (0 = off)", Scale, 0f);
    public Option<float> DynatempExponent { get; } = NumericOption.Float("--dynatemp-exp", "Dynamic temperature exponent", Scale, Defaults.DynamicTemperatureExponent);
    public Option<float> RepeatPenalty { get; } = NumericOption.Float("--repeat-penalty", "Repetition penalty (1 = off)", NumericRange.RealsAbove(0, 100), Defaults.RepetitionPenalty);
    public Option<int> RepeatLastN { get; } = NumericOption.Int("--repeat-last-n", "Tokens the penalties look back over (−1 = context, 0 = off)", NumericRange.Integers(0, ModelCommandOptions.MaxContextLength, -1), Defaults.PenaltyWindow);
    public Option<float> PresencePenalty { get; } = NumericOption.Float("--presence-penalty", "Presence penalty (0 = off)", NumericRange.Reals(-100, 100), 0f);
    public Option<float> FrequencyPenalty { get; } = NumericOption.Float("--frequency-penalty", "Frequency penalty (0 = off)", NumericRange.Reals(-100, 100), 0f);
    public Option<float> DryMultiplier { get; } = NumericOption.Float("--dry-multiplier", "DRY multiplier (0 = off)", Scale, 0f);
    public Option<float> DryBase { get; } = NumericOption.Float("--dry-base", "DRY base", NumericRange.Reals(1, 100), Defaults.DryBase);
    public Option<int> DryAllowedLength { get; } = NumericOption.Int("--dry-allowed-length", "DRY allowed length", NumericRange.Integers(0, 65_536), Defaults.DryAllowedLength);
    public Option<float> XtcProbability { get; } = NumericOption.Float("--xtc-probability", "XTC probability (0 = off)", Probability, 0f);
    public Option<float> XtcThreshold { get; } = NumericOption.Float("--xtc-threshold", "XTC threshold", Probability, Defaults.XtcThreshold);
    public Option<int> Mirostat { get; } = NumericOption.Int("--mirostat", "Mirostat version 1 or 2 (0 = off; replaces top-k/p, min-p, typical, XTC)", NumericRange.Integers(0, 2), 0);
    public Option<float> MirostatTau { get; } = NumericOption.Float("--mirostat-tau", "Mirostat target surprise τ in bits", Scale, Defaults.MirostatTau);
    public Option<float> MirostatEta { get; } = NumericOption.Float("--mirostat-eta", "Mirostat learning rate η", Probability, Defaults.MirostatEta);
    public Option<decimal?> Seed { get; } = NumericOption.Seed("--seed", "Sampling seed (−1 or not given = random)", "-s");

    public IEnumerable<Option> All =>
    [
        Temperature, TopK, TopP, MinP, Typical, TopNSigma, DynatempRange, DynatempExponent, RepeatPenalty, RepeatLastN,
        PresencePenalty, FrequencyPenalty, DryMultiplier, DryBase, DryAllowedLength, XtcProbability, XtcThreshold,
        Mirostat, MirostatTau, MirostatEta, Seed,
    ];

    /// <summary>The options as given; each is already within its range.</summary>
    public SamplingOptions Parse(ParseResult parse) => new()
    {
        Temperature = parse.GetValue(Temperature),
        TopK = parse.GetValue(TopK),
        TopP = parse.GetValue(TopP),
        MinP = parse.GetValue(MinP),
        TypicalP = parse.GetValue(Typical),
        TopNSigma = parse.GetValue(TopNSigma),
        DynamicTemperatureRange = parse.GetValue(DynatempRange),
        DynamicTemperatureExponent = parse.GetValue(DynatempExponent),
        RepetitionPenalty = parse.GetValue(RepeatPenalty),
        PenaltyWindow = parse.GetValue(RepeatLastN),
        PresencePenalty = parse.GetValue(PresencePenalty),
        FrequencyPenalty = parse.GetValue(FrequencyPenalty),
        DryMultiplier = parse.GetValue(DryMultiplier),
        DryBase = parse.GetValue(DryBase),
        DryAllowedLength = parse.GetValue(DryAllowedLength),
        XtcProbability = parse.GetValue(XtcProbability),
        XtcThreshold = parse.GetValue(XtcThreshold),
        Mirostat = parse.GetValue(Mirostat),
        MirostatTau = parse.GetValue(MirostatTau),
        MirostatEta = parse.GetValue(MirostatEta),
        Seed = NumericOption.SeedValue(parse.GetValue(Seed)) ?? (ulong)Random.Shared.NextInt64(),
    };
}
