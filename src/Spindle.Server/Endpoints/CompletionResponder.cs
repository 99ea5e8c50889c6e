using System.Buffers;
using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Spindle.Chat;
using Spindle.Chat.Tools;
using Spindle.Generation;
using Spindle.Server.Models;
using Spindle.Server.Protocol;
using Spindle.Server.Telemetry;
using Spindle.Serving;

namespace Spindle.Server.Endpoints;

/// <summary>
/// Turns a request's <see cref="GenerationStream"/> into an OpenAI response: one JSON object, or server-sent events
/// ending <c>data: [DONE]</c>, in the chat shape (<c>chat.completion</c>) or the legacy one (<c>text_completion</c>).
/// With tools, each choice's text is held until it ends and then either becomes tool calls (streamed as one delta per
/// call) or is sent as content.
/// </summary>
internal sealed class CompletionResponder
{
    private static readonly byte[] DataPrefix = "data: "u8.ToArray();
    private static readonly byte[] EventEnd = "\n\n"u8.ToArray();
    private static readonly byte[] Done = "data: [DONE]\n\n"u8.ToArray();

    private readonly HttpContext _context;
    private readonly ServedModel _model;
    private readonly SamplingRequest _request;
    private readonly ServerMetrics _metrics;
    private readonly bool _chat;
    private readonly ToolCallProtocol? _tools;
    private readonly int _promptTokens;
    private readonly string _id;
    private readonly long _created = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
    private readonly long _start;
    private readonly Choice[] _choices;
    private long _lastToken;

    public CompletionResponder(HttpContext context, ServedModel model, SamplingRequest request, ServerMetrics metrics, bool chat,
        ToolCallProtocol? tools, int promptTokens, long start)
    {
        _context = context;
        _model = model;
        _request = request;
        _metrics = metrics;
        _chat = chat;
        _tools = tools;
        _promptTokens = promptTokens;
        _start = start;
        _id = (chat ? "chatcmpl-" : "cmpl-") + Guid.NewGuid().ToString("N");
        _choices = new Choice[request.Choices];
        for (int i = 0; i < _choices.Length; i++)
        {
            _choices[i] = new Choice();
            if (tools is null || !request.Stream) continue;
            if (tools.Constraint is not null) _choices[i].Calls = new ToolCallDeltaParser(tools.RepliesWithArray);
            else _choices[i].Filter = new ToolCallStreamFilter(tools);
        }
    }

    private sealed class Choice
    {
        public readonly StringBuilder Text = new();
        public readonly List<GenerationChunk> Tokens = [];
        public GenerationChunk? Last;
        public IReadOnlyList<ChatToolCall>? ToolCalls;
        public bool RoleSent;

        /// <summary>Streaming a Required / Named reply: its call JSON read as it comes, sent as tool-call deltas.</summary>
        public ToolCallDeltaParser? Calls;

        /// <summary>Streaming an Auto reply: text shown as it comes, what may be a call held back to the end.</summary>
        public ToolCallStreamFilter? Filter;
    }

    public async Task RespondAsync(GenerationStream stream)
    {
        var response = _context.Response;
        var ct = _context.RequestAborted;
        if (_request.Stream)
        {
            response.StatusCode = 200;
            response.ContentType = "text/event-stream";
            response.Headers.CacheControl = "no-cache";
            response.Headers["X-Accel-Buffering"] = "no";
            await response.StartAsync(ct).ConfigureAwait(false);
        }
        try
        {
            await foreach (var (index, chunk) in stream.WithCancellation(ct).ConfigureAwait(false))
            {
                var choice = _choices[index];
                if (chunk.TokenId >= 0) Timing();
                if (chunk.FinishReason == FinishReason.Cancelled) return; // the client is gone
                if (chunk.TokenId >= 0 && _request.Logprobs) choice.Tokens.Add(chunk);
                if (chunk.FinishReason is not null)
                {
                    choice.Last = chunk;
                    if (_request.Stream) await WriteStreamedAsync(index, choice, chunk, final: true).ConfigureAwait(false);
                    else
                    {
                        choice.Text.Append(chunk.Text);
                        if (_tools is not null) choice.ToolCalls = ParseTools(choice);
                    }
                    continue;
                }
                if (!_request.Stream)
                {
                    choice.Text.Append(chunk.Text);
                    continue;
                }
                await WriteStreamedAsync(index, choice, chunk, final: false).ConfigureAwait(false);
            }
        }
        finally
        {
            int generated = 0;
            foreach (var c in _choices) generated += c.Last?.Usage?.GeneratedTokens ?? 0;
            _metrics.Tokens(_model.Alias, _promptTokens, generated);
        }
        if (_request.Stream)
        {
            if (_request.IncludeUsage) await WriteEventAsync(UsageChunk).ConfigureAwait(false);
            await response.Body.WriteAsync(Done, ct).ConfigureAwait(false);
            await response.Body.FlushAsync(ct).ConfigureAwait(false);
        }
        else
        {
            response.StatusCode = 200;
            response.ContentType = "application/json";
            using (var json = new Utf8JsonWriter(response.BodyWriter)) WholeResponse(json);
            await response.BodyWriter.FlushAsync(ct).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Sends what a chunk adds to a streamed choice: its text (tools held back as <see cref="Choice"/> says), its tool-call
    /// deltas, its logprobs; the final one also the finish reason. A chunk that adds nothing visible is not sent.
    /// </summary>
    private async Task WriteStreamedAsync(int index, Choice choice, GenerationChunk chunk, bool final)
    {
        string text = chunk.Text;
        _deltas.Clear();
        if (choice.Calls is { } calls)
        {
            calls.Append(text, _deltas);
            text = "";
        }
        else if (choice.Filter is { } filter)
        {
            text = filter.Append(text);
            if (final)
            {
                var rest = filter.Finish();
                text += rest.Content;
                if (rest.HasToolCalls)
                {
                    choice.ToolCalls = rest.ToolCalls;
                    for (int i = 0; i < rest.ToolCalls.Count; i++)
                    {
                        var call = rest.ToolCalls[i];
                        _deltas.Add(new ToolCallDelta(i, call.Id, call.Name, call.Arguments?.ToJsonString() ?? "{}"));
                    }
                }
            }
        }
        if (final && choice.Calls is { Calls: > 0 }) choice.ToolCalls = [];
        bool logprobs = _request.Logprobs && chunk.TokenId >= 0;
        if (!final && text.Length == 0 && _deltas.Count == 0 && !logprobs && choice.RoleSent) return;
        await WriteEventAsync(json => StreamChunk(json, index, choice, chunk, text, final)).ConfigureAwait(false);
    }

    private readonly List<ToolCallDelta> _deltas = [];
    private Utf8JsonWriter? _json;

    private void Timing()
    {
        long now = Stopwatch.GetTimestamp();
        if (_lastToken == 0) _metrics.FirstToken(Stopwatch.GetElapsedTime(_start, now));
        else _metrics.InterToken(Stopwatch.GetElapsedTime(_lastToken, now));
        _lastToken = now;
    }

    private IReadOnlyList<ChatToolCall>? ParseTools(Choice choice)
    {
        var parsed = _tools!.Parse(choice.Text.ToString());
        if (!parsed.HasToolCalls) return null;
        choice.Text.Clear();
        choice.Text.Append(parsed.Content);
        return parsed.ToolCalls;
    }

    private async Task WriteEventAsync(Action<Utf8JsonWriter> write)
    {
        var body = _context.Response.BodyWriter;
        body.Write(DataPrefix);
        // One writer for the whole stream, reset per event: no writer allocated per token.
        _json ??= new Utf8JsonWriter(body);
        _json.Reset(body);
        write(_json);
        _json.Flush();
        body.Write(EventEnd);
        await body.FlushAsync(_context.RequestAborted).ConfigureAwait(false);
    }

    private void Header(Utf8JsonWriter json, string objectType)
    {
        json.WriteString("id", _id);
        json.WriteString("object", objectType);
        json.WriteNumber("created", _created);
        json.WriteString("model", _model.Alias);
        json.WriteString("system_fingerprint", "spindle");
    }

    private void StreamChunk(Utf8JsonWriter json, int index, Choice choice, GenerationChunk chunk, string text, bool final)
    {
        json.WriteStartObject();
        Header(json, _chat ? "chat.completion.chunk" : "text_completion");
        json.WriteStartArray("choices");
        json.WriteStartObject();
        json.WriteNumber("index", index);
        if (_chat)
        {
            json.WriteStartObject("delta");
            if (!choice.RoleSent)
            {
                json.WriteString("role", "assistant");
                choice.RoleSent = true;
            }
            if (text.Length > 0 || (!final && _deltas.Count == 0)) json.WriteString("content", text);
            if (_deltas.Count > 0) ToolCallDeltas(json, _deltas);
            json.WriteEndObject();
        }
        else
        {
            json.WriteString("text", text);
        }
        if (_request.Logprobs && chunk.TokenId >= 0)
        {
            if (_chat) ChatLogprobs(json, [chunk]);
            else TextLogprobs(json, [chunk], choice.Text.Length);
        }
        else
        {
            json.WriteNull("logprobs");
        }
        if (final) json.WriteString("finish_reason", FinishReasonOf(choice));
        else json.WriteNull("finish_reason");
        json.WriteEndObject();
        json.WriteEndArray();
        json.WriteEndObject();
        choice.Text.Append(text);
    }

    /// <summary>OpenAI's streamed tool calls: the first delta of a call has its id, type and name, the rest pieces of its arguments.</summary>
    private static void ToolCallDeltas(Utf8JsonWriter json, List<ToolCallDelta> deltas)
    {
        json.WriteStartArray("tool_calls");
        foreach (var delta in deltas)
        {
            json.WriteStartObject();
            json.WriteNumber("index", delta.Index);
            if (delta.Id is not null)
            {
                json.WriteString("id", delta.Id);
                json.WriteString("type", "function");
            }
            json.WriteStartObject("function");
            if (delta.Name is not null) json.WriteString("name", delta.Name);
            json.WriteString("arguments", delta.Arguments);
            json.WriteEndObject();
            json.WriteEndObject();
        }
        json.WriteEndArray();
    }

    private void UsageChunk(Utf8JsonWriter json)
    {
        json.WriteStartObject();
        Header(json, _chat ? "chat.completion.chunk" : "text_completion");
        json.WriteStartArray("choices");
        json.WriteEndArray();
        Usage(json);
        json.WriteEndObject();
    }

    private void WholeResponse(Utf8JsonWriter json)
    {
        json.WriteStartObject();
        Header(json, _chat ? "chat.completion" : "text_completion");
        json.WriteStartArray("choices");
        for (int i = 0; i < _choices.Length; i++)
        {
            var choice = _choices[i];
            json.WriteStartObject();
            json.WriteNumber("index", i);
            if (_chat)
            {
                json.WriteStartObject("message");
                json.WriteString("role", "assistant");
                if (choice.ToolCalls is { } calls && choice.Text.Length == 0) json.WriteNull("content");
                else json.WriteString("content", choice.Text.ToString());
                if (choice.ToolCalls is { } toolCalls) ToolCalls(json, toolCalls);
                json.WriteEndObject();
            }
            else
            {
                json.WriteString("text", choice.Text.ToString());
            }
            if (_request.Logprobs)
            {
                if (_chat) ChatLogprobs(json, choice.Tokens);
                else TextLogprobs(json, choice.Tokens, 0);
            }
            else
            {
                json.WriteNull("logprobs");
            }
            json.WriteString("finish_reason", FinishReasonOf(choice));
            json.WriteEndObject();
        }
        json.WriteEndArray();
        Usage(json);
        json.WriteEndObject();
    }

    private static void ToolCalls(Utf8JsonWriter json, IReadOnlyList<ChatToolCall> calls)
    {
        json.WriteStartArray("tool_calls");
        for (int i = 0; i < calls.Count; i++)
        {
            json.WriteStartObject();
            json.WriteString("id", calls[i].Id);
            json.WriteString("type", "function");
            json.WriteStartObject("function");
            json.WriteString("name", calls[i].Name);
            json.WriteString("arguments", calls[i].Arguments?.ToJsonString() ?? "{}");
            json.WriteEndObject();
            json.WriteEndObject();
        }
        json.WriteEndArray();
    }

    // A reply cut by max_tokens says so even when a call had begun (its arguments are incomplete).
    private static string FinishReasonOf(Choice choice) => choice.Last?.FinishReason switch
    {
        FinishReason.Length => "length",
        _ when choice.ToolCalls is not null => "tool_calls",
        _ => "stop",
    };

    private void Usage(Utf8JsonWriter json)
    {
        int generated = 0;
        foreach (var c in _choices) generated += c.Last?.Usage?.GeneratedTokens ?? 0;
        json.WriteStartObject("usage");
        json.WriteNumber("prompt_tokens", _promptTokens);
        json.WriteNumber("completion_tokens", generated);
        json.WriteNumber("total_tokens", _promptTokens + generated);
        json.WriteStartObject("prompt_tokens_details");
        json.WriteNumber("cached_tokens", _choices[0].Last?.Usage?.CachedPromptTokens ?? 0);
        json.WriteEndObject();
        json.WriteEndObject();
    }

    private void ChatLogprobs(Utf8JsonWriter json, IReadOnlyList<GenerationChunk> tokens)
    {
        json.WriteStartObject("logprobs");
        json.WriteStartArray("content");
        foreach (var chunk in tokens)
        {
            json.WriteStartObject();
            TokenFields(json, chunk.TokenId, chunk.Logprob);
            json.WriteStartArray("top_logprobs");
            foreach (var top in chunk.TopLogprobs)
            {
                json.WriteStartObject();
                TokenFields(json, top.TokenId, top.Logprob);
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteEndObject();
        }
        json.WriteEndArray();
        json.WriteEndObject();
    }

    private void TokenFields(Utf8JsonWriter json, int token, float logprob)
    {
        ReadOnlySpan<byte> bytes = _model.Model.Tokenizer.TokenToPiece(token, special: true);
        json.WriteString("token", Encoding.UTF8.GetString(bytes));
        json.WriteNumber("logprob", logprob);
        json.WriteStartArray("bytes");
        foreach (byte b in bytes) json.WriteNumberValue(b);
        json.WriteEndArray();
    }

    private void TextLogprobs(Utf8JsonWriter json, IReadOnlyList<GenerationChunk> tokens, int offset)
    {
        json.WriteStartObject("logprobs");
        json.WriteStartArray("tokens");
        foreach (var chunk in tokens) json.WriteStringValue(Encoding.UTF8.GetString(_model.Model.Tokenizer.TokenToPiece(chunk.TokenId, special: true)));
        json.WriteEndArray();
        json.WriteStartArray("token_logprobs");
        foreach (var chunk in tokens) json.WriteNumberValue(chunk.Logprob);
        json.WriteEndArray();
        json.WriteStartArray("top_logprobs");
        foreach (var chunk in tokens)
        {
            json.WriteStartObject();
            foreach (var top in chunk.TopLogprobs)
                json.WriteNumber(Encoding.UTF8.GetString(_model.Model.Tokenizer.TokenToPiece(top.TokenId, special: true)), top.Logprob);
            json.WriteEndObject();
        }
        json.WriteEndArray();
        json.WriteStartArray("text_offset");
        foreach (var chunk in tokens)
        {
            json.WriteNumberValue(offset);
            offset += Encoding.UTF8.GetString(_model.Model.Tokenizer.TokenToPiece(chunk.TokenId, special: true)).Length;
        }
        json.WriteEndArray();
        json.WriteEndObject();
    }
}
