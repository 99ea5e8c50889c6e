using System.CommandLine;
using Spindle.Cli.Options;
using Spindle.Decoding;

namespace Spindle.Cli.Commands;

/// <summary>
/// The search-strategy flags of `spindle generate`: beam, diverse beam and contrastive search. Ranges are checked while
/// parsing; what depends on two flags (groups dividing beams, beams or contrastive) is checked here.
/// </summary>
internal sealed class SearchFlags
{
    /// <summary>Most beams: each holds a KV cache of its own (prompt + -n tokens), so width multiplies memory.</summary>
    public const int MaxBeams = 64;

    private readonly Option<int?> _beams = NumericOption.OptionalInt("--beams", "Beam search with this many beams instead of sampling", NumericRange.Integers(1, MaxBeams));
    private readonly Option<float> _lengthPenalty = NumericOption.Float("--length-penalty", "Beam score = sum logprob / length^α", NumericRange.Reals(-10, 10), 1f);
    private readonly Option<int?> _groups = NumericOption.OptionalInt("--diverse-groups", "Diverse beam search: split the beams into this many groups", NumericRange.Integers(1, MaxBeams));
    private readonly Option<float> _diversity = NumericOption.Float("--diversity", "Diverse beam search: penalty λ per earlier group's use of a token", NumericRange.Reals(0, 100), 0.5f);
    private readonly Option<float?> _alpha = NumericOption.OptionalFloat("--contrastive-alpha", "Contrastive search with degeneration penalty α (0: greedy)", NumericRange.Reals(0, 1));
    private readonly Option<int> _topK = NumericOption.Int("--contrastive-k", "Contrastive search: candidates per step", NumericRange.Integers(1, 1000), 4);

    public IEnumerable<Option> All => [_beams, _lengthPenalty, _groups, _diversity, _alpha, _topK];

    public BeamSearchOptions? Beam(ParseResult parse)
    {
        int? beams = parse.GetValue(_beams);
        int? groups = parse.GetValue(_groups);
        if (beams is null)
        {
            if (groups is not null) throw new CliException("--diverse-groups needs --beams");
            return null;
        }
        if (parse.GetValue(_alpha) is not null) throw new CliException("choose --beams or --contrastive-alpha, not both");
        float lengthPenalty = parse.GetValue(_lengthPenalty);
        if (groups is null) return new BeamSearchOptions { BeamWidth = beams.Value, LengthPenalty = lengthPenalty };
        if (beams % groups != 0)
            throw new CliException($"--diverse-groups must divide --beams ({beams}) into equal groups, got {groups}");
        return new DiverseBeamSearchOptions
        {
            BeamWidth = beams.Value, Groups = groups.Value, DiversityPenalty = parse.GetValue(_diversity), LengthPenalty = lengthPenalty,
        };
    }

    public ContrastiveSearchOptions? Contrastive(ParseResult parse) =>
        parse.GetValue(_alpha) is float alpha ? new ContrastiveSearchOptions { Alpha = alpha, TopK = parse.GetValue(_topK) } : null;
}
