namespace Spindle.Sampling;

/// <summary>
/// Repetition, frequency and presence penalties over the last <c>window</c> tokens (llama.cpp penalties): a token seen
/// c times has its logit divided by the repetition penalty (multiplied when negative), then lowered by
/// c × frequency + presence.
/// </summary>
public sealed class PenaltiesStage : ILogitsStage
{
    private readonly TokenHistory _history;
    private readonly Dictionary<int, int> _counts = new();

    public PenaltiesStage(int window, float repetition, float frequency, float presence)
    {
        Window = window;
        Repetition = repetition;
        Frequency = frequency;
        Presence = presence;
        _history = new TokenHistory(window);
    }

    public int Window { get; }
    public float Repetition { get; }
    public float Frequency { get; }
    public float Presence { get; }

    public void Apply(CandidateSet candidates)
    {
        if (_history.Count == 0 || (Repetition == 1f && Frequency == 0f && Presence == 0f)) return;
        _counts.Clear();
        for (int i = 0; i < _history.Count; i++)
        {
            int t = _history[i];
            _counts[t] = _counts.GetValueOrDefault(t) + 1;
        }
        foreach (ref var c in candidates.Items)
        {
            if (!_counts.TryGetValue(c.Id, out int count)) continue;
            if (c.Logit <= 0) c.Logit *= Repetition;
            else c.Logit /= Repetition;
            c.Logit -= count * Frequency + Presence;
        }
        candidates.MarkUnsorted();
    }

    public void Accept(int token) => _history.Add(token);

    public void Reset() => _history.Clear();

    public ILogitsStage Clone()
    {
        var copy = new PenaltiesStage(Window, Repetition, Frequency, Presence);
        for (int i = 0; i < _history.Count; i++) copy._history.Add(_history[i]);
        return copy;
    }
}
