using System.Runtime.InteropServices;
using Spindle.Sampling;

namespace Spindle.Watermarking.Codable;

/// <summary>
/// Embeds a <see cref="CodableOptions"/> message: a mask stage (after the penalties and any constraint) that adds δ to
/// the favoured half at each position. The seed comes from the previous token (the prompt's last for the first
/// generated token), the key and the segment of the message the position carries. Balance-Marking asks the proxy for
/// its distribution after the generated tokens so far (one forward pass per accepted token) and splits the vocabulary
/// with <see cref="BalanceSplit"/> (a keyed sort of the vocabulary per token); Vanilla-Marking hashes each candidate.
/// Tokens told by <see cref="Accept"/> before the first <see cref="Apply"/> are the prompt: they set the previous token
/// but are not proxy input. A clone shares the proxy and the scratch buffers (the proxy rolls back to whichever prefix
/// it is asked for), so a stage and its clones must be used from one thread, as speculative decoding does.
/// </summary>
public sealed class CodableStage : ILogitsStage
{
    private readonly CodableLayout _layout;
    private readonly IProxyDistribution? _proxy;
    private readonly BalanceSplit? _split;
    private readonly float[] _q;
    private readonly List<int> _generated;
    private int _previous = -1;
    private bool _awaitingPick;

    /// <param name="proxy">Balance-Marking's proxy over the generating model's vocabulary; ignored by Vanilla-Marking.</param>
    public CodableStage(CodableOptions options, IProxyDistribution? proxy)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        Options = options;
        _layout = new CodableLayout(options);
        _generated = new List<int>(256);
        if (options.Scheme == CodableScheme.Balance)
        {
            _proxy = proxy ?? throw new ArgumentException("Balance-Marking needs a proxy distribution", nameof(proxy));
            _split = new BalanceSplit(proxy.VocabularySize);
            _q = new float[proxy.VocabularySize];
        }
        else _q = [];
    }

    private CodableStage(CodableStage other)
    {
        Options = other.Options;
        _layout = other._layout;
        _proxy = other._proxy;
        _split = other._split;
        _q = other._q;
        _generated = new List<int>(other._generated);
        _previous = other._previous;
        _awaitingPick = other._awaitingPick;
    }

    public CodableOptions Options { get; }

    public void Apply(CandidateSet candidates)
    {
        _awaitingPick = true;
        float delta = Options.Delta;
        if (_previous < 0 || delta == 0) return;
        int segment = _layout.SegmentOf(_previous);
        ulong seed = CodableLayout.Seed(_layout.PositionState(_previous, segment), _layout.ValueOf(Options.Message, segment));
        var items = candidates.Items;
        if (_split is null)
        {
            for (int i = 0; i < items.Length; i++)
                if (CodableLayout.VanillaFavoured(seed, items[i].Id)) items[i].Logit += delta;
        }
        else
        {
            if (!_proxy!.TryGetProbabilities(CollectionsMarshal.AsSpan(_generated), _q)) return;
            _split.Load(_q);
            var favoured = _split.ComputeFavoured(seed);
            int vocabulary = _split.VocabularySize;
            for (int i = 0; i < items.Length; i++)
            {
                int id = items[i].Id;
                if ((uint)id < (uint)vocabulary && (favoured[id >> 6] & (1UL << (id & 63))) != 0) items[i].Logit += delta;
            }
        }
        candidates.MarkUnsorted();
    }

    public void Accept(int token)
    {
        if (_awaitingPick) _generated.Add(token);
        _awaitingPick = false;
        _previous = token;
    }

    public void Reset()
    {
        _generated.Clear();
        _previous = -1;
        _awaitingPick = false;
    }

    public ILogitsStage Clone() => new CodableStage(this);
}
