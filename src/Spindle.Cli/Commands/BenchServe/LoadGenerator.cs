using System.Diagnostics;

namespace Spindle.Cli.Commands.BenchServe;

/// <summary>What a whole run measured.</summary>
/// <param name="Outcomes">Every request that was started, in request order.</param>
/// <param name="Wall">From the first request sent to the last one finished.</param>
/// <param name="Interrupted">Ctrl-C ended the run early.</param>
/// <param name="Unreachable">Stopped early because the server could not be reached and no request had succeeded.</param>
internal sealed record LoadRun(IReadOnlyList<RequestOutcome> Outcomes, TimeSpan Wall, bool Interrupted, bool Unreachable);

/// <summary>
/// N clients, each sending one request at a time and the next as soon as it finishes, until the run's R requests are
/// all taken (a closed loop: the load is N requests in flight, whatever the server's speed).
/// </summary>
internal static class LoadGenerator
{
    public static async Task<LoadRun> RunAsync(HttpClient http, BenchServeSettings settings, PromptSynthesizer prompts,
        Action<RequestOutcome>? finished, CancellationToken cancellationToken)
    {
        var outcomes = new RequestOutcome?[settings.Requests];
        int next = -1;
        int succeeded = 0;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bool unreachable = false;

        async Task Client()
        {
            int index;
            while (!stop.IsCancellationRequested && (index = Interlocked.Increment(ref next)) < settings.Requests)
            {
                var outcome = await StreamedRequest.RunAsync(http, settings, prompts, index, stop.Token).ConfigureAwait(false);
                outcomes[index] = outcome;
                if (outcome.Succeeded) Interlocked.Increment(ref succeeded);
                else if (outcome.ConnectionFailed && Volatile.Read(ref succeeded) == 0)
                {
                    // Nothing answers at that address: every other request would fail the same way, one connect
                    // timeout each. A server that refuses some connections under load after serving others is measured.
                    unreachable = true;
                    stop.Cancel();
                }
                finished?.Invoke(outcome);
            }
        }

        long start = Stopwatch.GetTimestamp();
        var clients = new Task[settings.Clients];
        for (int c = 0; c < clients.Length; c++) clients[c] = Task.Run(Client, CancellationToken.None);
        await Task.WhenAll(clients).ConfigureAwait(false);
        var wall = Stopwatch.GetElapsedTime(start);

        var started = new List<RequestOutcome>(settings.Requests);
        foreach (var o in outcomes)
            if (o is not null) started.Add(o);
        return new LoadRun(started, wall, cancellationToken.IsCancellationRequested, unreachable && !cancellationToken.IsCancellationRequested);
    }
}
