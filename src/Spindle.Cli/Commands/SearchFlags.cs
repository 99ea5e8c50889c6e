using System.CommandLine;
using Spindle.Decoding;

namespace Spindle.Cli.Commands;

/// <summary>The search-strategy flags of `spindle generate`: beam, diverse beam and contrastive search.</summary>
internal sealed class SearchFlags
{
    private readonly Option<int?> _beams = new("--beams") { Description = "Beam search with this many beams instead of sampling" };
    private readonly Option<float> _lengthPenalty = new("--length-penalty") { Description = "Beam score = sum logprob / length^α (default 1)", DefaultValueFactory = _ => 1f };
    private readonly Option<int?> _groups = new("--diverse-groups") { Description = "Diverse beam search: split the beams into this many groups" };
    private readonly Option<float> _diversity = new("--diversity") { Description = "Diverse beam search: penalty λ per earlier group's use of a token (default 0.5)", DefaultValueFactory = _ => 0.5f };
    private readonly Option<float?> _alpha = new("--contrastive-alpha") { Description = "Contrastive search with degeneration penalty α (0: greedy)" };
    private readonly Option<int> _topK = new("--contrastive-k") { Description = "Contrastive search: candidates per step (default 4)", DefaultValueFactory = _ => 4 };

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
        if (beams < 1) throw new CliException($"--beams must be at least 1, got {beams}");
        if (parse.GetValue(_alpha) is not null) throw new CliException("choose --beams or --contrastive-alpha, not both");
        float lengthPenalty = parse.GetValue(_lengthPenalty);
        if (groups is null) return new BeamSearchOptions { BeamWidth = beams.Value, LengthPenalty = lengthPenalty };
        if (groups < 1 || beams % groups != 0)
            throw new CliException($"--diverse-groups must divide --beams ({beams}) into equal groups, got {groups}");
        return new DiverseBeamSearchOptions
        {
            BeamWidth = beams.Value, Groups = groups.Value, DiversityPenalty = parse.GetValue(_diversity), LengthPenalty = lengthPenalty,
        };
    }

    public ContrastiveSearchOptions? Contrastive(ParseResult parse)
    {
        if (parse.GetValue(_alpha) is not float alpha) return null;
        if (alpha is < 0f or > 1f) throw new CliException($"--contrastive-alpha must be in [0, 1], got {alpha}");
        int k = parse.GetValue(_topK);
        if (k < 1) throw new CliException($"--contrastive-k must be at least 1, got {k}");
        return new ContrastiveSearchOptions { Alpha = alpha, TopK = k };
    }
}
