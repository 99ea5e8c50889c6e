using Spindle.Models;
using Spindle.Sampling.Aligned;

namespace Spindle.Generation;

/// <summary>
/// A model's next-token logits after a fixed prompt, as an <see cref="ITokenDistribution"/> for grammar-aligned
/// sampling and exact enumeration. It owns an inference session: a prefix that extends the last one evaluates only its
/// new tokens, and up to <c>maxCachedRows</c> logits rows are remembered per prefix, because enumerating and
/// resampling a small grammar revisits the same prefixes thousands of times.
/// </summary>
public sealed class ModelTokenDistribution : ITokenDistribution
{
    private readonly InferenceSession _session;
    private readonly int[] _prompt;
    private readonly int _maxCachedRows;
    private readonly List<int> _evaluated = [];
    private readonly Dictionary<ulong, (int[] Prefix, float[] Logits)> _rows = [];
    private int[] _pending = new int[16];

    public ModelTokenDistribution(Model model, IReadOnlyList<int> promptTokens, int maxCachedRows = 1024, int? contextLength = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(promptTokens);
        if (promptTokens.Count == 0) throw new ArgumentException("the prompt has no tokens", nameof(promptTokens));
        ArgumentOutOfRangeException.ThrowIfNegative(maxCachedRows);
        _session = new InferenceSession(model, contextLength: contextLength);
        if (promptTokens.Count >= _session.Cache.Capacity)
            throw new ArgumentException($"the prompt has {promptTokens.Count} tokens; the context holds {_session.Cache.Capacity}", nameof(promptTokens));
        _prompt = [.. promptTokens];
        _maxCachedRows = maxCachedRows;
    }

    public int VocabularySize => _session.Model.Config.VocabSize;

    /// <summary>Forward passes run so far (rows served from the memo do not count).</summary>
    public int EvaluationCount { get; private set; }

    public void GetLogits(ReadOnlySpan<int> prefix, Span<float> destination)
    {
        if (destination.Length != VocabularySize)
            throw new ArgumentException($"destination holds {destination.Length} logits, the model gives {VocabularySize}", nameof(destination));
        int length = _prompt.Length + prefix.Length;
        if (length > _session.Cache.Capacity)
            throw new InvalidOperationException($"prompt and prefix are {length} tokens; the context holds {_session.Cache.Capacity}");
        ulong key = Hash(prefix);
        if (_rows.TryGetValue(key, out var row) && prefix.SequenceEqual(row.Prefix))
        {
            row.Logits.CopyTo(destination);
            return;
        }

        int common = 0;
        while (common < _evaluated.Count && common < length && _evaluated[common] == TokenAt(prefix, common)) common++;
        // At least one token is evaluated so the session holds the logits that follow the whole context.
        if (common == length) common--;
        _session.Rollback(common);
        _evaluated.RemoveRange(common, _evaluated.Count - common);
        int rest = length - common;
        if (_pending.Length < rest) _pending = new int[Math.Max(rest, _pending.Length * 2)];
        for (int i = 0; i < rest; i++) _pending[i] = TokenAt(prefix, common + i);
        try
        {
            _session.Prefill(_pending.AsSpan(0, rest));
        }
        catch
        {
            _session.Reset();
            _evaluated.Clear();
            throw;
        }
        EvaluationCount++;
        for (int i = 0; i < rest; i++) _evaluated.Add(_pending[i]);
        _session.Logits.CopyTo(destination);
        if (_rows.Count < _maxCachedRows && !_rows.ContainsKey(key)) _rows.Add(key, (prefix.ToArray(), _session.Logits.ToArray()));
    }

    private int TokenAt(ReadOnlySpan<int> prefix, int position) =>
        position < _prompt.Length ? _prompt[position] : prefix[position - _prompt.Length];

    private static ulong Hash(ReadOnlySpan<int> prefix)
    {
        ulong h = 0xCBF29CE484222325UL ^ (ulong)prefix.Length;
        foreach (int t in prefix) h = (h ^ (uint)t) * 0x100000001B3UL;
        return h;
    }
}
