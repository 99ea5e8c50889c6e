using System.CommandLine;
using Spindle.Sampling;

namespace Spindle.Cli.Commands;

/// <summary>
/// The sampling options `generate` and `chat` share, with llama.cpp's defaults (temperature 0.8, top-k 40, top-p 0.95,
/// min-p 0.05, penalties off, seed random unless given). --temp 0 is greedy.
/// </summary>
internal sealed class SamplingFlags
{
    private static readonly SamplingOptions Defaults = new();

    public Option<float> Temperature { get; } = new("--temp") { Description = "Temperature (0 = greedy)", DefaultValueFactory = _ => Defaults.Temperature };
    public Option<int> TopK { get; } = new("--top-k") { Description = "Top-k (0 = off)", DefaultValueFactory = _ => Defaults.TopK };
    public Option<float> TopP { get; } = new("--top-p") { Description = "Top-p / nucleus (1 = off)", DefaultValueFactory = _ => Defaults.TopP };
    public Option<float> MinP { get; } = new("--min-p") { Description = "Min-p (0 = off)", DefaultValueFactory = _ => Defaults.MinP };
    public Option<float> Typical { get; } = new("--typical") { Description = "Locally typical sampling p (1 = off)", DefaultValueFactory = _ => Defaults.TypicalP };
    public Option<float> TopNSigma { get; } = new("--top-nsigma") { Description = "Top-nσ (≤ 0 = off)", DefaultValueFactory = _ => Defaults.TopNSigma };
    public Option<float> DynatempRange { get; } = new("--dynatemp-range") { Description = "Dynamic temperature range (0 = off)" };
    public Option<float> DynatempExponent { get; } = new("--dynatemp-exp") { Description = "Dynamic temperature exponent", DefaultValueFactory = _ => Defaults.DynamicTemperatureExponent };
    public Option<float> RepeatPenalty { get; } = new("--repeat-penalty") { Description = "Repetition penalty (1 = off)", DefaultValueFactory = _ => Defaults.RepetitionPenalty };
    public Option<int> RepeatLastN { get; } = new("--repeat-last-n") { Description = "Tokens the penalties look back over (−1 = context)", DefaultValueFactory = _ => Defaults.PenaltyWindow };
    public Option<float> PresencePenalty { get; } = new("--presence-penalty") { Description = "Presence penalty (0 = off)" };
    public Option<float> FrequencyPenalty { get; } = new("--frequency-penalty") { Description = "Frequency penalty (0 = off)" };
    public Option<float> DryMultiplier { get; } = new("--dry-multiplier") { Description = "DRY multiplier (0 = off)" };
    public Option<float> DryBase { get; } = new("--dry-base") { Description = "DRY base", DefaultValueFactory = _ => Defaults.DryBase };
    public Option<int> DryAllowedLength { get; } = new("--dry-allowed-length") { Description = "DRY allowed length", DefaultValueFactory = _ => Defaults.DryAllowedLength };
    public Option<float> XtcProbability { get; } = new("--xtc-probability") { Description = "XTC probability (0 = off)" };
    public Option<float> XtcThreshold { get; } = new("--xtc-threshold") { Description = "XTC threshold", DefaultValueFactory = _ => Defaults.XtcThreshold };
    public Option<int> Mirostat { get; } = new("--mirostat") { Description = "Mirostat version 1 or 2 (0 = off; replaces top-k/p, min-p, typical, XTC)" };
    public Option<float> MirostatTau { get; } = new("--mirostat-tau") { Description = "Mirostat target surprise τ in bits", DefaultValueFactory = _ => Defaults.MirostatTau };
    public Option<float> MirostatEta { get; } = new("--mirostat-eta") { Description = "Mirostat learning rate η", DefaultValueFactory = _ => Defaults.MirostatEta };
    public Option<ulong?> Seed { get; } = new("--seed", "-s") { Description = "Sampling seed (default: random)" };

    public IEnumerable<Option> All =>
    [
        Temperature, TopK, TopP, MinP, Typical, TopNSigma, DynatempRange, DynatempExponent, RepeatPenalty, RepeatLastN,
        PresencePenalty, FrequencyPenalty, DryMultiplier, DryBase, DryAllowedLength, XtcProbability, XtcThreshold,
        Mirostat, MirostatTau, MirostatEta, Seed,
    ];

    public SamplingOptions Parse(ParseResult parse)
    {
        int mirostat = parse.GetValue(Mirostat);
        if (mirostat is < 0 or > 2) throw new CliException($"--mirostat must be 0, 1 or 2, not {mirostat}");
        float xtc = parse.GetValue(XtcProbability);
        if (xtc is < 0 or > 1) throw new CliException($"--xtc-probability must be in [0, 1], not {xtc}");
        return new SamplingOptions
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
            XtcProbability = xtc,
            XtcThreshold = parse.GetValue(XtcThreshold),
            Mirostat = mirostat,
            MirostatTau = parse.GetValue(MirostatTau),
            MirostatEta = parse.GetValue(MirostatEta),
            Seed = parse.GetValue(Seed) ?? (ulong)Random.Shared.NextInt64(),
        };
    }
}
