using System.Diagnostics;
using Spindle.Chat;
using Spindle.Chat.Jinja;

namespace Spindle.Tests.Chat;

/// <summary>
/// Parses and renders one hostile template on the calling thread, measuring wall time and the bytes the thread
/// allocated (garbage included), and checks the outcome: success, or a <see cref="ChatTemplateException"/> whose
/// cause is one of the interpreter's own (a limit, a template error, a syntax error) rather than a .NET exception
/// that slipped through. A stack overflow or a hang would kill or stall the test host, so reaching the checks at
/// all is part of the proof.
/// </summary>
internal static class HostileRun
{
    /// <summary>
    /// A hang shows as minutes or hours. Every case here ends within 3 s even on a 2-core machine running a dozen other
    /// builds (most within 0.5 s), so 20 s catches a hang without failing under load.
    /// </summary>
    public static readonly TimeSpan TimeBound = TimeSpan.FromSeconds(20);

    /// <summary>
    /// Bytes the parse, and separately the render, of a case may allocate: the budget
    /// (<see cref="ChatTemplateLimits.MaxAllocatedBytes"/>) plus what may be allocated between two checks of it (1,024
    /// small steps or 4,096 tokens, or one value within the size limits: 16 MB at most, and its StringBuilder's copy).
    /// </summary>
    public static long AllocationBound(ChatTemplateLimits limits) => limits.MaxAllocatedBytes + Math.Min(48L << 20, long.MaxValue - limits.MaxAllocatedBytes);

    public sealed record Outcome(string Source, TimeSpan Elapsed, long ParseBytes, long RenderBytes, ChatTemplateException? Error, string? Output)
    {
        public string? Limit => Error?.Limit;

        /// <summary>The larger of the parse's and the render's allocation (each has its own budget).</summary>
        public long AllocatedBytes => Math.Max(ParseBytes, RenderBytes);

        public string Describe() =>
            $"{(Error is null ? "rendered" : Error.Limit ?? "error")} in {Elapsed.TotalMilliseconds:F0} ms, parse {ParseBytes / 1e6:F1} MB, " +
            $"render {RenderBytes / 1e6:F1} MB: {Error?.Message ?? ""} | {Abbreviate(Source)}";
    }

    public static Outcome Run(string source, ChatTemplateLimits? limits = null, CancellationToken cancellationToken = default)
    {
        limits ??= ChatTemplateLimits.Default;
        long start = GC.GetAllocatedBytesForCurrentThread(), parsed = start;
        var clock = Stopwatch.StartNew();
        ChatTemplateException? error = null;
        string? output = null;
        try
        {
            var template = ChatTemplate.Parse(source, limits);
            parsed = GC.GetAllocatedBytesForCurrentThread();
            output = template.Render([ChatMessage.User("hi")], new ChatTemplateOptions { Limits = limits }, cancellationToken);
        }
        catch (ChatTemplateException e)
        {
            if (parsed == start) parsed = GC.GetAllocatedBytesForCurrentThread();
            error = e;
        }
        long end = GC.GetAllocatedBytesForCurrentThread();
        var outcome = new Outcome(source, clock.Elapsed, parsed - start, end - parsed, error, output);
        AssertBounded(outcome, limits);
        return outcome;
    }

    /// <summary>The outcome ended in time, within the allocation bound, and by the interpreter's own doing.</summary>
    public static void AssertBounded(Outcome o, ChatTemplateLimits limits)
    {
        Assert.True(o.Elapsed < TimeBound, $"took too long: {o.Describe()}");
        Assert.True(o.ParseBytes <= AllocationBound(limits) && o.RenderBytes <= AllocationBound(limits), $"allocated too much: {o.Describe()}");
        if (o.Error is { } e)
        {
            Assert.True(e.InnerException is JinjaLimitException or JinjaRuntimeException or JinjaSyntaxException,
                $"failed through an unexpected {e.InnerException?.GetType().Name}: {o.Describe()}\n{e.InnerException}");
            if (e.Limit != null)
            {
                Assert.Contains(e.Limit, e.Message);
                Assert.Contains(LimitValue(limits, e.Limit).ToString("N0", System.Globalization.CultureInfo.InvariantCulture), e.Message);
            }
        }
    }

    /// <summary>Asserts the case stopped on one of <paramref name="expected"/> limits.</summary>
    public static void AssertStoppedBy(Outcome o, params string[] expected) =>
        Assert.True(o.Limit != null && Array.IndexOf(expected, o.Limit) >= 0,
            $"expected a stop by {string.Join(" or ", expected)}, got {o.Describe()}");

    public static long LimitValue(ChatTemplateLimits limits, string name) => name switch
    {
        nameof(ChatTemplateLimits.MaxNestingDepth) => limits.MaxNestingDepth,
        nameof(ChatTemplateLimits.MaxCallDepth) => limits.MaxCallDepth,
        nameof(ChatTemplateLimits.MaxSteps) => limits.MaxSteps,
        nameof(ChatTemplateLimits.MaxLoopIterations) => limits.MaxLoopIterations,
        nameof(ChatTemplateLimits.MaxOutputLength) => limits.MaxOutputLength,
        nameof(ChatTemplateLimits.MaxStringLength) => limits.MaxStringLength,
        nameof(ChatTemplateLimits.MaxListLength) => limits.MaxListLength,
        nameof(ChatTemplateLimits.MaxAllocatedBytes) => limits.MaxAllocatedBytes,
        _ => throw new ArgumentException($"no limit named {name}"),
    };

    /// <summary>
    /// When SPINDLE_HOSTILE_REPORT names a file, appends a markdown row for a class of cases: their count, how they
    /// ended, and the worst time and allocation (parse or render) among them.
    /// </summary>
    public static void Report(string name, List<Outcome> outcomes)
    {
        string? path = Environment.GetEnvironmentVariable("SPINDLE_HOSTILE_REPORT");
        if (string.IsNullOrEmpty(path)) return;
        var stops = new SortedDictionary<string, int>(StringComparer.Ordinal);
        foreach (var o in outcomes)
        {
            string stop = o.Limit ?? (o.Error is null ? "rendered" : "template error");
            stops[stop] = stops.GetValueOrDefault(stop) + 1;
        }
        string line = string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"| {name} | {outcomes.Count} | {string.Join(", ", stops.Select(s => $"{s.Key} ×{s.Value}"))} | " +
            $"{outcomes.Max(o => o.Elapsed).TotalMilliseconds:F0} ms | {outcomes.Max(o => o.AllocatedBytes) / 1048576.0:F1} MB |");
        lock (ReportLock) File.AppendAllLines(path, [line]);
    }

    private static readonly object ReportLock = new();

    private static string Abbreviate(string s) => s.Length <= 300 ? s : s[..200] + $"...({s.Length:N0} chars)..." + s[^80..];
}
