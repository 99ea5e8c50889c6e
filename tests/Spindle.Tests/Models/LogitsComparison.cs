namespace Spindle.Tests.Models;

/// <summary>
/// How far one engine's logits are from a reference's, over rows of <c>vocabSize</c>: the largest absolute difference,
/// the mean over rows of KL(reference ‖ actual) of the softmax distributions (in double), and how many rows pick the same
/// top-1 token.
/// </summary>
public sealed record LogitsComparison(double MaxAbsDelta, double MeanKl, int Top1Agreements, int Rows)
{
    public static LogitsComparison Compare(ReadOnlySpan<float> reference, ReadOnlySpan<float> actual, int vocabSize)
    {
        if (reference.Length != actual.Length || reference.Length % vocabSize != 0)
            throw new ArgumentException($"lengths {reference.Length} and {actual.Length} are not equal multiples of {vocabSize}");
        int rows = reference.Length / vocabSize;
        double maxDelta = 0, klSum = 0;
        int agree = 0;
        var p = new double[vocabSize];
        var q = new double[vocabSize];
        for (int r = 0; r < rows; r++)
        {
            var refRow = reference.Slice(r * vocabSize, vocabSize);
            var actRow = actual.Slice(r * vocabSize, vocabSize);
            for (int i = 0; i < vocabSize; i++) maxDelta = Math.Max(maxDelta, Math.Abs(refRow[i] - actRow[i]));
            LogSoftmax(refRow, p);
            LogSoftmax(actRow, q);
            double kl = 0;
            for (int i = 0; i < vocabSize; i++) kl += Math.Exp(p[i]) * (p[i] - q[i]);
            klSum += kl;
            if (ArgMax(refRow) == ArgMax(actRow)) agree++;
        }
        return new LogitsComparison(maxDelta, klSum / rows, agree, rows);
    }

    public static int ArgMax(ReadOnlySpan<float> row)
    {
        int best = 0;
        for (int i = 1; i < row.Length; i++) if (row[i] > row[best]) best = i;
        return best;
    }

    private static void LogSoftmax(ReadOnlySpan<float> logits, double[] destination)
    {
        double max = double.NegativeInfinity;
        foreach (float v in logits) max = Math.Max(max, v);
        double sum = 0;
        foreach (float v in logits) sum += Math.Exp(v - max);
        double logSum = Math.Log(sum) + max;
        for (int i = 0; i < logits.Length; i++) destination[i] = logits[i] - logSum;
    }

    public override string ToString() => $"max|Δ| {MaxAbsDelta:G3}, mean KL {MeanKl:G3}, top-1 {Top1Agreements}/{Rows}";
}
