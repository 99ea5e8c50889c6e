using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Spindle.Cli.Commands.BenchServe;

/// <summary>
/// Sends one streamed completion request and times it: time to first token (TTFT) from just before the request is
/// sent to the first chunk with text, and the gaps between successive chunks with text (inter-token latency, ITL).
/// Failures become the outcome's error rather than exceptions, so one bad request does not end the run.
/// </summary>
internal static class StreamedRequest
{
    private const int MaxErrorBodyChars = 300;

    /// <summary>Times a request is sent again after the server closed its connection without answering.</summary>
    private const int MaxResends = 3;

    public static async Task<RequestOutcome> RunAsync(HttpClient http, BenchServeSettings settings, PromptSynthesizer prompts, int index,
        CancellationToken cancellationToken)
    {
        int prefix = prompts.PrefixOf(index);
        var outcome = new RequestOutcome { Index = index, PrefixIndex = prefix, FirstUseOfPrefix = prefix >= 0 && index < prompts.PrefixCount };
        byte[] body = CompletionRequestBody.Create(settings, prompts.Prompt(index));
        try
        {
            var (response, sent) = await SendAsync(http, settings, body, outcome, cancellationToken).ConfigureAwait(false);
            using (response)
            {
                if (response.StatusCode != HttpStatusCode.OK)
                {
                    outcome.Error = await DescribeStatusAsync(response, cancellationToken).ConfigureAwait(false);
                    return outcome;
                }
                var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
                await using (stream.ConfigureAwait(false))
                {
                    using var events = new ServerSentEventReader(stream);
                    await ReadStreamAsync(events, outcome, sent, cancellationToken).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            outcome.Cancelled = true;
        }
        catch (OperationCanceledException)
        {
            // Not ours: the handler's connect timeout.
            outcome.Error = "timed out connecting to the server";
            outcome.ConnectionFailed = true;
        }
        catch (HttpRequestException e)
        {
            outcome.Error = WithCauses(e);
            outcome.ConnectionFailed = e.HttpRequestError is HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError
                or HttpRequestError.SecureConnectionError;
        }
        catch (Exception e) when (e is IOException or InvalidDataException)
        {
            outcome.Error = $"broken stream: {WithCauses(e)}";
        }
        return outcome;
    }

    /// <summary>
    /// Sends the request and returns the response with the moment it was sent. llama-server closes the connection after
    /// every streamed response while announcing keep-alive, so a pooled connection can be closed just as the next request
    /// goes out on it; the server then never saw that request, and it is sent again on a new connection (and timed from
    /// there). HttpClient retries such requests itself only sometimes.
    /// </summary>
    private static async Task<(HttpResponseMessage Response, long Sent)> SendAsync(HttpClient http, BenchServeSettings settings, byte[] body,
        RequestOutcome outcome, CancellationToken cancellationToken)
    {
        for (int attempt = 0; ; attempt++)
        {
            // A request message can be sent once only.
            using var request = new HttpRequestMessage(HttpMethod.Post, settings.RequestUrl) { Content = new ByteArrayContent(body) };
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
            if (settings.ApiKey is { } key) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
            long sent = Stopwatch.GetTimestamp();
            try
            {
                var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
                return (response, sent);
            }
            catch (HttpRequestException e) when (e.HttpRequestError == HttpRequestError.ResponseEnded && attempt < MaxResends)
            {
                outcome.Resends++;
            }
        }
    }

    /// <summary>Reads events until data: [DONE]; leaves an error on the outcome when the stream breaks off or says one.</summary>
    internal static async Task ReadStreamAsync(ServerSentEventReader events, RequestOutcome outcome, long sentTimestamp, CancellationToken cancellationToken)
    {
        long previousText = 0;
        while (await events.ReadDataAsync(cancellationToken).ConfigureAwait(false) is { } data)
        {
            long arrived = Stopwatch.GetTimestamp();
            if (data == "[DONE]") return;
            StreamChunk chunk;
            try
            {
                chunk = StreamChunk.Parse(data);
            }
            catch (JsonException e)
            {
                outcome.Error = $"a stream chunk is not JSON ({e.Message}): {Shorten(data)}";
                return;
            }
            if (chunk.Error is { } error)
            {
                outcome.Error = $"the server reported an error in the stream: {Shorten(error)}";
                return;
            }
            if (chunk.HasText)
            {
                if (outcome.ContentChunks == 0) outcome.TimeToFirstTokenMs = Milliseconds(sentTimestamp, arrived);
                else outcome.InterTokenMs.Add(Milliseconds(previousText, arrived));
                outcome.ContentChunks++;
                previousText = arrived;
            }
            if (chunk.PromptTokens is int prompt) outcome.PromptTokens = prompt;
            if (chunk.CompletionTokens is int completion) outcome.CompletionTokens = completion;
            if (chunk.CachedTokens is int cached) outcome.CachedTokens = cached;
        }
        outcome.Error = "the stream ended before data: [DONE]";
    }

    /// <summary>The message and those of its causes: HttpClient's own ("An error occurred while sending the request")
    /// says nothing; the socket's below it ("Connection refused (127.0.0.1:9)") does.</summary>
    internal static string WithCauses(Exception e)
    {
        var text = new StringBuilder(e.Message);
        for (var inner = e.InnerException; inner is not null; inner = inner.InnerException)
            if (!text.ToString().Contains(inner.Message, StringComparison.Ordinal)) text.Append(": ").Append(inner.Message);
        return text.ToString();
    }

    private static double Milliseconds(long from, long to) => Stopwatch.GetElapsedTime(from, to).TotalMilliseconds;

    private static async Task<string> DescribeStatusAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        string status = $"HTTP {(int)response.StatusCode} {response.ReasonPhrase}".TrimEnd();
        string body;
        try
        {
            body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or HttpRequestException)
        {
            return status;
        }
        string? message = null;
        try
        {
            // OpenAI and llama-server: {"error": {"message": ...}}; take the message when the body has that shape.
            message = StreamChunk.Parse(body).Error;
        }
        catch (JsonException)
        {
        }
        message ??= body;
        return message.Trim().Length == 0 ? status : $"{status}: {Shorten(message.Trim())}";
    }

    private static string Shorten(string text)
    {
        if (text.Length <= MaxErrorBodyChars) return text;
        var sb = new StringBuilder(text, 0, MaxErrorBodyChars, MaxErrorBodyChars + 1);
        return sb.Append('…').ToString();
    }
}
