using Spindle.Models;

namespace Spindle.Tests.Decoding;

internal static class SearchAssertions
{
    /// <summary>Sum of natural-log probabilities of <paramref name="generated"/> after the prompt, decoding one token at a time.</summary>
    public static double TeacherForcedLogProb(Model model, int[] prompt, int[] generated, int? stopToken = null)
    {
        int v = model.Config.VocabSize;
        var cache = model.CreateCache(capacity: prompt.Length + generated.Length + 1);
        var logits = new float[v];
        var positions = new int[prompt.Length];
        for (int i = 0; i < positions.Length; i++) positions[i] = i;
        model.Forward(prompt, positions, cache, logits);
        double sum = 0;
        int count = generated.Length + (stopToken is null ? 0 : 1);
        for (int i = 0; i < count; i++)
        {
            int token = i < generated.Length ? generated[i] : stopToken!.Value;
            sum += LogProb(logits, token);
            if (i + 1 < count) model.Forward([token], [cache.Count], cache, logits);
        }
        return sum;
    }

    public static double LogProb(ReadOnlySpan<float> logits, int token)
    {
        double max = double.NegativeInfinity;
        foreach (float x in logits) max = Math.Max(max, x);
        double sum = 0;
        foreach (float x in logits) sum += Math.Exp(x - max);
        return logits[token] - max - Math.Log(sum);
    }

    /// <summary>How many n-grams of <paramref name="tokens"/> repeat an earlier one: a measure of degenerate looping.</summary>
    public static int RepeatedNgrams(int[] tokens, int n)
    {
        var seen = new HashSet<string>();
        int repeats = 0;
        for (int i = 0; i + n <= tokens.Length; i++)
            if (!seen.Add(string.Join(",", tokens.AsSpan(i, n).ToArray()))) repeats++;
        return repeats;
    }
}
