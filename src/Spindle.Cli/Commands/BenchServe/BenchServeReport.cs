namespace Spindle.Cli.Commands.BenchServe;

/// <summary>
/// The numbers a run is summed up in. Only completed requests count towards tokens and latencies; failed ones are
/// counted as errors, requests Ctrl-C stopped are left out. Throughput is the generated tokens of the whole run over
/// its wall time (not a mean of per-request rates), so it is what the server sustained for N clients.
/// </summary>
internal sealed record BenchServeReport
{
    public required BenchServeSettings Settings { get; init; }
    public int Completed { get; init; }
    public int Errors { get; init; }
    public string? FirstError { get; init; }

    /// <summary>Mean usage.prompt_tokens over completed requests; null when the server reported none.</summary>
    public double? PromptTokensMean { get; init; }
    public long GeneratedTokens { get; init; }
    public double WallSeconds { get; init; }
    public double ThroughputTokensPerSecond { get; init; }
    public double RequestsPerSecond { get; init; }
    public LatencySummary? TimeToFirstToken { get; init; }

    /// <summary>Every gap between successive text chunks of every completed request, pooled.</summary>
    public LatencySummary? InterToken { get; init; }

    /// <summary>TTFT of the first request of the run to use each shared prefix; null without shared prefixes.</summary>
    public LatencySummary? TimeToFirstTokenFirstUse { get; init; }

    /// <summary>TTFT of the other requests with a shared prefix.</summary>
    public LatencySummary? TimeToFirstTokenRepeat { get; init; }

    /// <summary>Sum of the cached prompt tokens the server reported; null when it reported none.</summary>
    public long? CachedTokens { get; init; }

    /// <summary>Cached / prompt tokens summed over the repeat uses of shared prefixes that reported both.</summary>
    public double? CacheHitRate { get; init; }

    public bool Interrupted { get; init; }

    /// <summary>Sends repeated because the server closed a reused connection without answering (see StreamedRequest).</summary>
    public int Resends { get; init; }

    public static BenchServeReport From(BenchServeSettings settings, LoadRun run)
    {
        int completed = 0, errors = 0, promptReports = 0, resends = 0;
        string? firstError = null;
        long promptSum = 0, generated = 0, cachedSum = 0, repeatCached = 0, repeatPrompt = 0;
        bool anyCached = false, anyRepeatCached = false;
        var ttft = new List<double>();
        var itl = new List<double>();
        var firstUse = new List<double>();
        var repeat = new List<double>();
        foreach (var o in run.Outcomes)
        {
            resends += o.Resends;
            if (o.Cancelled) continue;
            if (o.Error is { } error)
            {
                errors++;
                firstError ??= error;
                continue;
            }
            completed++;
            generated += o.GeneratedTokens;
            if (o.PromptTokens is int prompt)
            {
                promptSum += prompt;
                promptReports++;
            }
            if (o.CachedTokens is int cached)
            {
                cachedSum += cached;
                anyCached = true;
            }
            itl.AddRange(o.InterTokenMs);
            if (o.TimeToFirstTokenMs is not double t) continue;
            ttft.Add(t);
            if (o.PrefixIndex < 0) continue;
            if (o.FirstUseOfPrefix)
            {
                firstUse.Add(t);
            }
            else
            {
                repeat.Add(t);
                if (o is { CachedTokens: int c, PromptTokens: int p })
                {
                    repeatCached += c;
                    repeatPrompt += p;
                    anyRepeatCached = true;
                }
            }
        }
        double wall = run.Wall.TotalSeconds;
        bool prefixed = settings.SharedPrefixTokens > 0;
        return new BenchServeReport
        {
            Settings = settings,
            Completed = completed,
            Errors = errors,
            FirstError = firstError,
            PromptTokensMean = promptReports > 0 ? (double)promptSum / promptReports : null,
            GeneratedTokens = generated,
            WallSeconds = wall,
            ThroughputTokensPerSecond = wall > 0 ? generated / wall : 0,
            RequestsPerSecond = wall > 0 ? completed / wall : 0,
            TimeToFirstToken = LatencySummary.Of(ttft),
            InterToken = LatencySummary.Of(itl),
            TimeToFirstTokenFirstUse = prefixed ? LatencySummary.Of(firstUse) : null,
            TimeToFirstTokenRepeat = prefixed ? LatencySummary.Of(repeat) : null,
            CachedTokens = anyCached ? cachedSum : null,
            CacheHitRate = prefixed && anyRepeatCached && repeatPrompt > 0 ? (double)repeatCached / repeatPrompt : null,
            Interrupted = run.Interrupted,
            Resends = resends,
        };
    }
}
