using System.Diagnostics;

namespace Spindle.Tensors.Diagnostics;

/// <summary>Phases of a forward pass that <see cref="ForwardProfile"/> times.</summary>
public enum ForwardPhase
{
    Norm,
    QuantizeActivations,
    MatMulQkv,
    RopeAndStore,
    Attention,
    MatMulAttentionOutput,
    MatMulGateUp,
    GatedActivation,
    MatMulDown,
    Residual,
    OutputHead,
    PoolWait,
    Other,
}

/// <summary>
/// Wall time per <see cref="ForwardPhase"/> on the calling thread, for finding where a forward pass spends its time.
/// Off unless the environment variable SPINDLE_PROFILE is set when the process starts: the check is a static readonly
/// flag the JIT folds away, so a normal run pays nothing.
/// </summary>
public static class ForwardProfile
{
    public static readonly bool Enabled = Environment.GetEnvironmentVariable("SPINDLE_PROFILE") is { Length: > 0 };

    private static readonly long[] Ticks = new long[Enum.GetValues<ForwardPhase>().Length];
    private static readonly long[] Calls = new long[Ticks.Length];

    /// <summary>A timestamp to pass to <see cref="Stop"/>; 0 when profiling is off.</summary>
    public static long Start() => Enabled ? Stopwatch.GetTimestamp() : 0;

    public static void Stop(ForwardPhase phase, long start)
    {
        if (!Enabled) return;
        Ticks[(int)phase] += Stopwatch.GetTimestamp() - start;
        Calls[(int)phase]++;
    }

    // Timed inside the matmul phases, so left out of the total.
    private static bool IsNested(ForwardPhase phase) => phase is ForwardPhase.QuantizeActivations or ForwardPhase.PoolWait;

    public static void Reset()
    {
        Array.Clear(Ticks);
        Array.Clear(Calls);
    }

    /// <summary>Writes the table of phases (milliseconds, share, calls).</summary>
    public static void Print(TextWriter writer)
    {
        if (!Enabled) return;
        long total = 0;
        for (int i = 0; i < Ticks.Length; i++)
            if (!IsNested((ForwardPhase)i)) total += Ticks[i];
        foreach (var phase in Enum.GetValues<ForwardPhase>())
        {
            long t = Ticks[(int)phase];
            if (Calls[(int)phase] == 0) continue;
            writer.WriteLine($"  {(IsNested(phase) ? "(within matmuls) " : "") + phase,-38} {t * 1000.0 / Stopwatch.Frequency,10:F1} ms {100.0 * t / Math.Max(1, total),5:F1}% {Calls[(int)phase],8} calls");
        }
    }
}
