using System.Diagnostics;
using System.Diagnostics.Metrics;
using Spindle.Server.Models;

namespace Spindle.Server.Telemetry;

/// <summary>
/// The server's instruments (meter <see cref="MeterName"/>), exported at <c>GET /metrics</c> in Prometheus text format
/// through OpenTelemetry: request, token and prefix-cache counters, queue depth, sequences and KV blocks per model, a
/// generation rate, and time-to-first-token and inter-token histograms.
/// </summary>
public sealed class ServerMetrics : IDisposable
{
    public const string MeterName = "Spindle.Server";

    private readonly Meter _meter;
    private readonly Counter<long> _requests;
    private readonly Counter<long> _promptTokens;
    private readonly Counter<long> _generatedTokens;
    private readonly Histogram<double> _timeToFirstToken;
    private readonly Histogram<double> _interToken;
    private readonly ModelRegistry _registry;
    private readonly object _rateLock = new();
    private long _rateTimestamp = Stopwatch.GetTimestamp();
    private long _rateTokens;
    private double _rate;

    public ServerMetrics(IMeterFactory meterFactory, ModelRegistry registry)
    {
        _registry = registry;
        _meter = meterFactory.Create(MeterName);
        _requests = _meter.CreateCounter<long>("spindle.requests", "{request}", "Requests answered, by endpoint and status code");
        _promptTokens = _meter.CreateCounter<long>("spindle.prompt_tokens", "{token}", "Prompt tokens of completed requests");
        _generatedTokens = _meter.CreateCounter<long>("spindle.generated_tokens", "{token}", "Tokens generated");
        _timeToFirstToken = _meter.CreateHistogram<double>("spindle.time_to_first_token", "s", "From request to the first generated token",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30] });
        _interToken = _meter.CreateHistogram<double>("spindle.inter_token_latency", "s", "Between successive tokens of a stream",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1] });
        _meter.CreateObservableGauge("spindle.queue_depth", () => Each(m => m.Engine.Stats.QueuedRequests), "{request}", "Requests waiting for a sequence");
        _meter.CreateObservableGauge("spindle.active_sequences", () => Each(m => m.Engine.Stats.ActiveSequences), "{sequence}", "Sequences being generated");
        _meter.CreateObservableGauge("spindle.kv_blocks_in_use", () => Each(m => m.Engine.Stats.KvBlocksInUse), "{block}", "KV blocks held by sequences or the prefix cache");
        _meter.CreateObservableGauge("spindle.kv_blocks_total", () => Each(m => m.Engine.Stats.KvBlocksTotal), "{block}", "KV blocks in the pool");
        _meter.CreateObservableGauge("spindle.prefix_cache_blocks", () => Each(m => m.Engine.Stats.CachedPrefixBlocks), "{block}", "KV blocks the prefix cache keeps");
        _meter.CreateObservableCounter("spindle.prefix_cache_hit_tokens", () => Each(m => m.Engine.Stats.PrefixHitTokens), "{token}", "Prompt tokens served from the prefix cache");
        _meter.CreateObservableGauge("spindle.generation_tokens_per_second", Rate, "{token}/s", "Tokens generated per second since the previous scrape");
    }

    public void Request(string endpoint, int status) =>
        _requests.Add(1, new KeyValuePair<string, object?>("endpoint", endpoint), new KeyValuePair<string, object?>("status", status));

    public void Tokens(string model, int prompt, int generated)
    {
        var tag = new KeyValuePair<string, object?>("model", model);
        _promptTokens.Add(prompt, tag);
        _generatedTokens.Add(generated, tag);
        Interlocked.Add(ref _rateTokens, generated);
    }

    public void FirstToken(TimeSpan elapsed) => _timeToFirstToken.Record(elapsed.TotalSeconds);

    public void InterToken(TimeSpan elapsed) => _interToken.Record(elapsed.TotalSeconds);

    private List<Measurement<long>> Each(Func<ServedModel, long> read)
    {
        var list = new List<Measurement<long>>();
        foreach (var model in _registry.Loaded) list.Add(new Measurement<long>(read(model), new KeyValuePair<string, object?>("model", model.Alias)));
        return list;
    }

    private double Rate()
    {
        lock (_rateLock)
        {
            long now = Stopwatch.GetTimestamp();
            double seconds = Stopwatch.GetElapsedTime(_rateTimestamp, now).TotalSeconds;
            if (seconds >= 1)
            {
                _rate = Interlocked.Exchange(ref _rateTokens, 0) / seconds;
                _rateTimestamp = now;
            }
            return _rate;
        }
    }

    public void Dispose() => _meter.Dispose();
}
