using Spindle.Sampling;

namespace Spindle.Watermarking.Kgw;

/// <summary>
/// Embeds a <see cref="KgwOptions"/> watermark: a mask stage (after the penalties and any constraint, before
/// temperature and truncation) that adds δ to the logit of every green candidate. Greenness is a hash per token
/// (<see cref="KgwPrf"/>), so every seeding, self-hash included, costs one pass of one to three mixes over the
/// candidates: the whole vocabulary is reweighted, never just a top-k. Banned candidates (−∞) stay banned. A position
/// with fewer than h tokens before it (no full context) is left alone; the detector skips it too.
/// </summary>
public sealed class KgwStage : ILogitsStage
{
    private readonly KgwPrf _prf;
    private readonly float _delta;
    private readonly int[] _window;
    private int _count;

    public KgwStage(KgwOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        Options = options;
        _prf = new KgwPrf(options);
        _delta = options.Delta;
        _window = new int[options.ContextWidth];
    }

    private KgwStage(KgwStage other)
    {
        Options = other.Options;
        _prf = other._prf;
        _delta = other._delta;
        _window = (int[])other._window.Clone();
        _count = other._count;
    }

    public KgwOptions Options { get; }

    public void Apply(CandidateSet candidates)
    {
        if (_count < _window.Length || _delta == 0) return;
        ulong state = _prf.ContextState(_window);
        ulong threshold = _prf.Threshold;
        float delta = _delta;
        var items = candidates.Items;
        if (_prf.Seeding == KgwSeeding.SelfHash)
        {
            for (int i = 0; i < items.Length; i++)
                if (_prf.SelfValue(state, items[i].Id) < threshold) items[i].Logit += delta;
        }
        else
        {
            for (int i = 0; i < items.Length; i++)
                if (KgwPrf.SeededValue(state, items[i].Id) < threshold) items[i].Logit += delta;
        }
        candidates.MarkUnsorted();
    }

    public void Accept(int token)
    {
        // The window holds the last h tokens, oldest first; h ≤ 16, so shifting is cheaper than a ring's index math.
        int h = _window.Length;
        if (h == 0) return; // unigram: no context
        if (h > 1) Array.Copy(_window, 1, _window, 0, h - 1);
        _window[h - 1] = token;
        if (_count < h) _count++;
    }

    public void Reset()
    {
        _count = 0;
        Array.Clear(_window);
    }

    public ILogitsStage Clone() => new KgwStage(this);
}
