using System.CommandLine;
using Spindle.Cli.Options;
using Spindle.Decoding.Speculative;
using Spindle.Models;

namespace Spindle.Cli.Commands;

/// <summary>
/// The speculative-decoding flags of `spindle generate` and `spindle bench`: one drafter (--draft M2 | --lookup N |
/// --recycle | --self-spec LAYERS) and its draft length. The draft model shares the target's worker pool.
/// </summary>
internal sealed class SpeculationFlags
{
    private readonly Option<string?> _draft = new("--draft", "-md") { Description = "Speculative decoding with this draft model (same vocabulary as the target)" };
    private readonly Option<int> _draftMax = NumericOption.Int("--draft-max", "Most draft tokens per round (tree nodes for --recycle)", NumericRange.Integers(1, 256), 16);
    private readonly Option<int> _draftMin = NumericOption.Int("--draft-min", "Fewest draft tokens per round before --draft-p-min may stop a chain", NumericRange.Integers(0, 256), 0);
    private readonly Option<float?> _draftPMin = NumericOption.OptionalFloat("--draft-p-min",
        "Adaptive draft length: stop a chain before a token the drafter gives less than this probability (0: always --draft-max; default 0, and 0.7 for --lookup, whose probability is the share of earlier occurrences that continued so)",
        NumericRange.Reals(0, 1));
    private readonly Option<int?> _lookup = NumericOption.OptionalInt("--lookup", "Speculative decoding with prompt lookup: drafts follow the latest earlier match of the last N tokens (N down to 1)", NumericRange.Integers(1, 64));
    private readonly Option<bool> _recycle = new("--recycle") { Description = "Speculative decoding with Token Recycling: a draft tree from the target's own earlier top candidates" };
    private readonly Option<int> _recycleCandidates = NumericOption.Int("--recycle-k", "Token Recycling: candidates kept per token", NumericRange.Integers(1, 32), 8);
    private readonly Option<int> _recycleDepth = NumericOption.Int("--recycle-depth", "Token Recycling: deepest level of the draft tree", NumericRange.Integers(1, 64), 8);
    private readonly Option<int> _recycleOrder = NumericOption.Int("--recycle-order", "Token Recycling: longest context (tokens) that recycled candidates are keyed by; 1 is the paper's token-by-token matrix", NumericRange.Integers(1, 16), 4);
    private readonly Option<int?> _selfSpec = NumericOption.OptionalInt("--self-spec", "Self-speculative decoding: the target's first LAYERS layers draft", NumericRange.Integers(1, 4096));

    // Lookup's votes are cheap to be wrong about only when few are drafted: a chain of well-supported tokens only
    // (measured with `spindle bench --lookup 3 --draft-max 8` on the grown stories260K, AMD EPYC without AVX-512,
    // one thread while another job held the other core, same-run ratios to target-only: 0 → 0.98×, 0.5 → 1.25×, 0.7 → 1.34×).
    private const float LookupPMin = 0.7f;

    public IEnumerable<Option> All => [_draft, _draftMax, _draftMin, _draftPMin, _lookup, _recycle, _recycleCandidates, _recycleDepth, _recycleOrder, _selfSpec];

    /// <summary>True when a drafter was asked for.</summary>
    public bool Requested(ParseResult parse) =>
        parse.GetValue(_draft) is not null || parse.GetValue(_lookup) is not null || parse.GetValue(_recycle) || parse.GetValue(_selfSpec) is not null;

    /// <summary>
    /// The speculation the flags ask for, or null; a draft model is loaded into <paramref name="draftModel"/> (the caller
    /// disposes it) on the target's worker pool.
    /// </summary>
    public SpeculationOptions? Parse(ParseResult parse, Model target, out Model? draftModel)
    {
        draftModel = null;
        string? draft = parse.GetValue(_draft);
        int? lookup = parse.GetValue(_lookup);
        bool recycle = parse.GetValue(_recycle);
        int? selfSpec = parse.GetValue(_selfSpec);
        int chosen = (draft is null ? 0 : 1) + (lookup is null ? 0 : 1) + (recycle ? 1 : 0) + (selfSpec is null ? 0 : 1);
        if (chosen == 0) return null;
        if (chosen > 1) throw new CliException("choose one drafter: --draft, --lookup, --recycle or --self-spec");
        int draftMax = parse.GetValue(_draftMax), draftMin = parse.GetValue(_draftMin);
        if (draftMin > draftMax) throw new CliException($"--draft-min ({draftMin}) exceeds --draft-max ({draftMax})");
        var options = new SpeculationOptions
        {
            DraftMax = draftMax, DraftMin = draftMin, DraftPMin = parse.GetValue(_draftPMin) ?? 0f,
            RecycleCandidates = parse.GetValue(_recycleCandidates), RecycleDepth = parse.GetValue(_recycleDepth), RecycleOrder = parse.GetValue(_recycleOrder),
        };
        if (lookup is int n) return options with { Method = SpeculationMethod.Lookup, LookupNgram = n, DraftPMin = parse.GetValue(_draftPMin) ?? LookupPMin };
        if (recycle) return options with { Method = SpeculationMethod.Recycle };
        if (selfSpec is int layers)
        {
            if (layers >= target.Config.LayerCount)
                throw new CliException($"--self-spec {layers}: the model has {target.Config.LayerCount} layers; draft with fewer");
            return options with { Method = SpeculationMethod.SelfSpeculation, SelfSpeculationLayers = layers };
        }
        string path = ModelPathResolver.Resolve(draft);
        ModelFiles.CheckExists(path);
        var file = ModelFiles.Open(path);
        try
        {
            draftModel = Model.Load(file, new ModelOptions { WorkerPool = target.WorkerPool }, ownsFile: true);
        }
        catch (ModelFormatException ex)
        {
            file.Dispose();
            throw new ModelFormatException($"{path}: {ex.Message}");
        }
        if (draftModel.Config.VocabSize != target.Config.VocabSize)
        {
            int size = draftModel.Config.VocabSize;
            draftModel.Dispose();
            draftModel = null;
            throw new CliException($"--draft {path}: its vocabulary has {size} tokens, the target's {target.Config.VocabSize}; speculation needs the same vocabulary");
        }
        return options with { Method = SpeculationMethod.DraftModel, DraftModel = draftModel };
    }

    /// <summary>
    /// `spindle serve`'s reading of the flags: the method and draft length for every served model, and the draft model's
    /// path (the server loads it beside each model). Self-speculation is not batched.
    /// </summary>
    public SpeculationOptions? ParseForServer(ParseResult parse, out string? draftPath)
    {
        draftPath = parse.GetValue(_draft);
        if (parse.GetValue(_selfSpec) is not null) throw new CliException("--self-spec is not available in the server (use --draft, --lookup or --recycle)");
        int chosen = (draftPath is null ? 0 : 1) + (parse.GetValue(_lookup) is null ? 0 : 1) + (parse.GetValue(_recycle) ? 1 : 0);
        if (chosen == 0) return null;
        if (chosen > 1) throw new CliException("choose one drafter: --draft, --lookup or --recycle");
        int draftMax = parse.GetValue(_draftMax), draftMin = parse.GetValue(_draftMin);
        if (draftMax > Serving.BatchEngineOptions.MaxDraftTokens)
            throw new CliException($"--draft-max {draftMax}: the server drafts at most {Serving.BatchEngineOptions.MaxDraftTokens} tokens per round");
        if (draftMin > draftMax) throw new CliException($"--draft-min ({draftMin}) exceeds --draft-max ({draftMax})");
        var options = new SpeculationOptions
        {
            DraftMax = draftMax, DraftMin = draftMin, DraftPMin = parse.GetValue(_draftPMin) ?? 0f,
            RecycleCandidates = parse.GetValue(_recycleCandidates), RecycleDepth = parse.GetValue(_recycleDepth), RecycleOrder = parse.GetValue(_recycleOrder),
        };
        if (parse.GetValue(_lookup) is int n) return options with { Method = SpeculationMethod.Lookup, LookupNgram = n, DraftPMin = parse.GetValue(_draftPMin) ?? LookupPMin };
        if (parse.GetValue(_recycle)) return options with { Method = SpeculationMethod.Recycle };
        draftPath = ModelPathResolver.Resolve(draftPath);
        ModelFiles.CheckExists(draftPath);
        // Validated with a placeholder: the server puts each model's loaded draft in its place.
        return options with { Method = SpeculationMethod.DraftModel };
    }

    /// <summary>One line for stderr: what was drafted and accepted.</summary>
    public static string Summary(SpeculationStats s) =>
        FormattableString.Invariant(
            $"speculation: {s.Accepted} of {s.Drafted} drafts accepted ({s.AcceptanceRate:P1}), {s.MeanAccepted:F2} per round, {s.TargetForwardsPerToken:F3} target passes per token");
}
