using System.Diagnostics;
using System.Numerics;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using Spindle.Sampling;

namespace Spindle.Watermarking.Tournament;

/// <summary>
/// The picker of a <see cref="TournamentOptions"/> watermark, in place of <see cref="DistributionPicker"/> (after
/// temperature and truncation). It samples from the exact distribution of the tournament without running one: with two
/// candidates per match, the winner of a match between two independent draws from p is distributed as
/// p'(x) = p(x)·(1 + g(x) − G), G = Σ_{y: g(y)=1} p(y) (x wins against a 0, draws a coin against a 1), and the winners
/// of one layer are independent draws for the next, so m layers are m such products: O(m·candidates) per token
/// instead of 2^m draws. <see cref="Shape"/> exposes that distribution, so speculative decoding accepts drafts against
/// the watermarked distribution and stays lossless with respect to it.
/// A position whose context (the previous H tokens) already occurred at an earlier generated position is left
/// unwatermarked (SynthID's context-repetition masking), as is one with fewer than H tokens before it.
/// </summary>
public sealed class TournamentPicker : ILogitsStage, IShapedPicker
{
    private readonly TournamentGValues _g;
    private readonly SamplerRng _rng;
    private readonly int[] _window;
    private readonly HashSet<ulong> _seenContexts;
    private int _count;
    private bool _awaitingPick;
    private double[] _p = [];
    private ulong[] _values = [];

    public TournamentPicker(TournamentOptions options, SamplerRng rng)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(rng);
        options.Validate();
        Options = options;
        _g = new TournamentGValues(options);
        _rng = rng;
        _window = new int[options.ContextWidth];
        _seenContexts = new HashSet<ulong>(256);
    }

    private TournamentPicker(TournamentPicker other)
    {
        Options = other.Options;
        _g = other._g;
        _rng = other._rng.Clone();
        _window = (int[])other._window.Clone();
        _seenContexts = new HashSet<ulong>(other._seenContexts);
        _count = other._count;
        _awaitingPick = other._awaitingPick;
    }

    public TournamentOptions Options { get; }

    public void Apply(CandidateSet candidates)
    {
        Shape(candidates);
        candidates.Selected = DistributionPicker.Draw(candidates, _rng);
    }

    public void Shape(CandidateSet candidates)
    {
        if (candidates.Count == 0) throw new InvalidOperationException("no candidate token is left to pick");
        candidates.Softmax();
        _awaitingPick = true;
        if (_count < _window.Length) return;
        ulong context = _g.ContextState(_window);
        if (_seenContexts.Contains(context)) return;
        var items = candidates.Items;
        if (_values.Length < items.Length)
        {
            _values = new ulong[items.Length];
            _p = new double[items.Length];
        }
        var values = _values.AsSpan(0, items.Length);
        var p = _p.AsSpan(0, items.Length);
        for (int i = 0; i < items.Length; i++)
        {
            values[i] = TournamentGValues.Of(context, items[i].Id);
            p[i] = items[i].Probability;
        }
        ApplyLayers(p, values, _g.Layers);
        for (int i = 0; i < items.Length; i++) items[i].Probability = (float)p[i];
    }

    public void Commit(CandidateSet shaped, int token) { }

    public void Accept(int token)
    {
        if (_awaitingPick && _count >= _window.Length) _seenContexts.Add(_g.ContextState(_window));
        _awaitingPick = false;
        int h = _window.Length;
        if (h > 1) Array.Copy(_window, 1, _window, 0, h - 1);
        _window[h - 1] = token;
        if (_count < h) _count++;
    }

    public void Reset()
    {
        _count = 0;
        _awaitingPick = false;
        Array.Clear(_window);
        _seenContexts.Clear();
    }

    public ILogitsStage Clone() => new TournamentPicker(this);

    /// <summary>
    /// The tournament's output distribution: for each layer l (bit l of each candidate's value), p ← p·(1 + g_l − G_l),
    /// G_l = Σ p·g_l. One pass per layer: while it scales p by layer l it sums G_{l+1}. Each layer keeps the total mass
    /// exactly; the result is renormalized once against rounding. Four candidates per AVX2 vector (a g-value becomes
    /// 0.0 or 1.0 by masking the bits of 1.0), then the scalar loop for the rest; <paramref name="vectorize"/> false
    /// runs the scalar loop throughout (the reference the tests compare with).
    /// </summary>
    internal static void ApplyLayers(Span<double> p, ReadOnlySpan<ulong> values, int layers, bool vectorize = true)
    {
        int n = p.Length;
        int vectorEnd = vectorize && Vector256.IsHardwareAccelerated ? n - n % Vector256<double>.Count : 0;
        double g = 0;
        for (int i = 0; i < n; i++) g += (values[i] & 1) != 0 ? p[i] : 0;
        for (int l = 0; l < layers; l++)
        {
            double lose = 1 - g, next = 0;
            int following = l + 1;
            if (vectorEnd > 0) next = LayerVector256(p[..vectorEnd], values[..vectorEnd], l, lose);
            for (int i = vectorEnd; i < n; i++)
            {
                double scaled = p[i] * (lose + ((values[i] >> l) & 1));
                p[i] = scaled;
                if (((values[i] >> following) & 1) != 0) next += scaled;
            }
            g = next;
        }
        double sum = 0;
        foreach (double x in p) sum += x;
        if (sum <= 0) return;
        double inv = 1 / sum;
        for (int i = 0; i < n; i++) p[i] *= inv;
    }

    /// <summary>One layer over a whole number of vectors; returns G of the next layer over them.</summary>
    private static double LayerVector256(Span<double> p, ReadOnlySpan<ulong> values, int layer, double lose)
    {
        Debug.Assert(p.Length % Vector256<double>.Count == 0 && values.Length == p.Length);
        var loseV = Vector256.Create(lose);
        var oneBits = Vector256.Create(1.0).AsUInt64();
        var lowBit = Vector256.Create(1UL);
        var next = Vector256<double>.Zero;
        ref double pr = ref MemoryMarshal.GetReference(p);
        ref ulong vr = ref MemoryMarshal.GetReference(values);
        for (nuint i = 0; i < (nuint)p.Length; i += (nuint)Vector256<double>.Count)
        {
            var v = Vector256.LoadUnsafe(ref vr, i);
            var bit = (Vector256.Equals(Vector256.ShiftRightLogical(v, layer) & lowBit, lowBit) & oneBits).AsDouble();
            var scaled = Vector256.LoadUnsafe(ref pr, i) * (loseV + bit);
            scaled.StoreUnsafe(ref pr, i);
            var following = (Vector256.Equals(Vector256.ShiftRightLogical(v, layer + 1) & lowBit, lowBit) & oneBits).AsDouble();
            next += scaled * following;
        }
        return Vector256.Sum(next);
    }

    /// <summary>How many of the first <paramref name="layers"/> g-values of <paramref name="value"/> are 1.</summary>
    internal static int Score(ulong value, ulong layerMask) => BitOperations.PopCount(value & layerMask);
}
