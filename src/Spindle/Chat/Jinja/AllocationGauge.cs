namespace Spindle.Chat.Jinja;

/// <summary>
/// Bytes the current thread has allocated since the gauge was made, checked against
/// <see cref="ChatTemplateLimits.MaxAllocatedBytes"/>. Parsing uses it on its own (rendering has the same check in its
/// <see cref="RenderBudget"/>): the tokens and tree of a template cost tens of bytes per source character.
/// </summary>
internal readonly struct AllocationGauge(long maxAllocatedBytes)
{
    private readonly long _start = GC.GetAllocatedBytesForCurrentThread();

    /// <summary>Throws when the bytes allocated so far, plus <paramref name="upcomingBytes"/>, pass the limit.</summary>
    public void Check(string activity, int line, int column, long upcomingBytes = 0)
    {
        long used = GC.GetAllocatedBytesForCurrentThread() - _start;
        if (used + upcomingBytes > maxAllocatedBytes)
            throw new JinjaLimitException(nameof(ChatTemplateLimits.MaxAllocatedBytes), maxAllocatedBytes,
                FormattableString.Invariant($"{activity} allocated {used:N0} bytes and needs {upcomingBytes:N0} more"), line, column);
    }
}
