using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace Spindle.Tests.Cli.BenchServe;

/// <summary>
/// A tiny HTTP/1.1 server on a loopback port that answers every POST with a canned event stream, timed: a delay before
/// the first text chunk, a fixed gap between the next ones. Like llama-server it sends the stream chunked, announces
/// keep-alive, and then closes the connection anyway. The usage chunk reports prompt tokens as the prompt's words and
/// cached tokens as the words it shares at its start with any earlier prompt (a word-level prefix cache).
/// </summary>
internal sealed class CannedSseServer : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly List<string[]> _seenPrompts = [];

    public CannedSseServer(TimeSpan firstTokenDelay, TimeSpan tokenGap, int tokens, int status = 200)
    {
        FirstTokenDelay = firstTokenDelay;
        TokenGap = tokenGap;
        Tokens = tokens;
        Status = status;
        _listener.Start();
        _ = AcceptAsync();
    }

    public TimeSpan FirstTokenDelay { get; }
    public TimeSpan TokenGap { get; }
    public int Tokens { get; }
    public int Status { get; }

    /// <summary>Every request body received, as JSON text.</summary>
    public ConcurrentQueue<string> Bodies { get; } = new();

    public string Url => $"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}";

    private async Task AcceptAsync()
    {
        try
        {
            while (true)
            {
                var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                _ = Task.Run(() => ServeAsync(client));
            }
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
        {
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using var _ = client;
        try
        {
            var stream = client.GetStream();
            string? body = await ReadRequestBodyAsync(stream);
            if (body is null) return;
            Bodies.Enqueue(body);
            if (Status != 200)
            {
                byte[] error = Encoding.UTF8.GetBytes("{\"error\":{\"code\":" + Status + ",\"message\":\"canned failure\"}}");
                await WriteAsync(stream, $"HTTP/1.1 {Status} Failed\r\nContent-Type: application/json\r\nContent-Length: {error.Length}\r\nConnection: close\r\n\r\n");
                await stream.WriteAsync(error);
                return;
            }
            string[] words;
            using (var json = JsonDocument.Parse(body)) words = json.RootElement.GetProperty("prompt").GetString()!.Split(' ');
            int cached = RememberAndMatch(words);

            await WriteAsync(stream, "HTTP/1.1 200 OK\r\nKeep-Alive: timeout=5, max=100\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n");
            await WriteChunkAsync(stream, ": canned stream\n\n");
            for (int i = 0; i < Tokens; i++)
            {
                await Task.Delay(i == 0 ? FirstTokenDelay : TokenGap);
                await WriteChunkAsync(stream, $"data: {{\"choices\":[{{\"text\":\" w{i}\",\"index\":0,\"finish_reason\":null}}]}}\n\n");
            }
            await WriteChunkAsync(stream, "data: {\"choices\":[{\"text\":\"\",\"index\":0,\"finish_reason\":\"length\"}],"
                + $"\"usage\":{{\"completion_tokens\":{Tokens},\"prompt_tokens\":{words.Length},\"total_tokens\":{Tokens + words.Length},"
                + $"\"prompt_tokens_details\":{{\"cached_tokens\":{cached}}}}}}}\n\n");
            await WriteChunkAsync(stream, "data: [DONE]\n\n");
            await WriteAsync(stream, "0\r\n\r\n");
        }
        catch (IOException)
        {
        }
    }

    private int RememberAndMatch(string[] words)
    {
        lock (_seenPrompts)
        {
            int best = 0;
            foreach (var seen in _seenPrompts)
            {
                int n = 0;
                while (n < seen.Length && n < words.Length && seen[n] == words[n]) n++;
                best = Math.Max(best, n);
            }
            _seenPrompts.Add(words);
            return best;
        }
    }

    /// <summary>The body of the request, or null when the client closed the connection without sending one.</summary>
    private static async Task<string?> ReadRequestBodyAsync(NetworkStream stream)
    {
        var head = new List<byte>();
        var one = new byte[1];
        while (head.Count < 4 || head[^4] != '\r' || head[^3] != '\n' || head[^2] != '\r' || head[^1] != '\n')
        {
            if (await stream.ReadAsync(one) == 0) return null;
            head.Add(one[0]);
        }
        int length = 0;
        foreach (string line in Encoding.ASCII.GetString(head.ToArray()).Split("\r\n"))
            if (line.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase)) length = int.Parse(line["Content-Length:".Length..].Trim());
        var body = new byte[length];
        await stream.ReadExactlyAsync(body);
        return Encoding.UTF8.GetString(body);
    }

    private static Task WriteAsync(NetworkStream stream, string text) => stream.WriteAsync(Encoding.UTF8.GetBytes(text)).AsTask();

    private static Task WriteChunkAsync(NetworkStream stream, string data)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(data);
        return WriteAsync(stream, $"{bytes.Length:X}\r\n{data}\r\n");
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
    }
}
