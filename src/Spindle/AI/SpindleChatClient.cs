using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;
using Spindle.Chat.Tools;
using Spindle.Generation;
using AiChatMessage = Microsoft.Extensions.AI.ChatMessage;

namespace Spindle.AI;

/// <summary>
/// A <see cref="SpindleModel"/> as a Microsoft.Extensions.AI <see cref="IChatClient"/>: messages go through the model's
/// chat template, <see cref="ChatOptions"/> map onto <see cref="GenerationOptions"/> (see <see cref="ChatOptionsMapper"/>),
/// and responses carry input/output token counts. A JSON response format constrains the output to its schema, so the
/// reply always parses (unless MaxOutputTokens cuts it: finish reason Length). Requests on one client run one at a
/// time, each reusing the cached prefix of the previous conversation.
/// <para>
/// Tools: <see cref="ChatOptions.Tools"/> (function declarations), ToolMode and AllowMultipleToolCalls become a
/// <see cref="ToolCallProtocol"/> (<see cref="ChatOptionsMapper.ToolsOf"/>): the template gets the tools (or, when it
/// has no tool support, a system message describing them), RequireAny / RequireSpecific constrain the reply to call
/// JSON valid under the tool's parameters schema, and the calls come back as <see cref="FunctionCallContent"/>s with
/// finish reason ToolCalls. Incoming <see cref="FunctionCallContent"/>s and <see cref="FunctionResultContent"/>s become
/// the template's <c>tool_calls</c> and "tool" messages, so <c>FunctionInvokingChatClient</c> works on top (it drops a
/// required ToolMode after the first round, which ends its loop).
/// </para>
/// </summary>
public sealed class SpindleChatClient : IChatClient
{
    private readonly SpindleModel _model;
    private readonly bool _ownsModel;
    private readonly ChatClientMetadata _metadata;

    /// <param name="defaults">Options that <see cref="ChatOptions"/> override field by field; null: <see cref="GenerationOptions"/>'s defaults.</param>
    /// <param name="ownsModel">Dispose the model with the client.</param>
    public SpindleChatClient(SpindleModel model, GenerationOptions? defaults = null, string? modelId = null, bool ownsModel = false)
    {
        _model = model ?? throw new ArgumentNullException(nameof(model));
        Defaults = defaults ?? new GenerationOptions();
        _ownsModel = ownsModel;
        ModelId = modelId ?? model.Model.File.Metadata.GetStringOrNull("general.name") ?? "spindle";
        _metadata = new ChatClientMetadata("spindle", null, ModelId);
    }

    public GenerationOptions Defaults { get; }

    public string ModelId { get; }

    public async Task<ChatResponse> GetResponseAsync(IEnumerable<AiChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var request = Prepare(messages, options, cancellationToken);
        var text = new System.Text.StringBuilder();
        GenerationChunk? last = null;
        await foreach (var chunk in request.Chunks.ConfigureAwait(false))
        {
            text.Append(chunk.Text);
            last = chunk;
        }
        cancellationToken.ThrowIfCancellationRequested();
        var message = new AiChatMessage(ChatRole.Assistant, text.ToString());
        var finish = Map(last?.FinishReason);
        if (request.Tools is { } tools)
        {
            var parsed = tools.Parse(text.ToString());
            message = new AiChatMessage(ChatRole.Assistant, ChatMessageMapper.ToContents(parsed));
            if (parsed.HasToolCalls) finish = ChatFinishReason.ToolCalls;
        }
        return new ChatResponse(message)
        {
            ModelId = ModelId,
            ResponseId = Guid.NewGuid().ToString("N"),
            CreatedAt = DateTimeOffset.UtcNow,
            FinishReason = finish,
            Usage = Usage(last?.Usage),
        };
    }

    /// <summary>
    /// Streams the reply's text as it is generated. With tools, text that may be a tool call is held back (see
    /// <see cref="ToolCallStreamFilter"/>: all of it for a required call, from a <c>&lt;tool_call&gt;</c> tag on for Auto),
    /// and the calls arrive as <see cref="FunctionCallContent"/>s in the final update, with finish reason ToolCalls.
    /// </summary>
    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<AiChatMessage> messages, ChatOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        string responseId = Guid.NewGuid().ToString("N");
        var request = Prepare(messages, options, cancellationToken);
        var filter = request.Tools is { } tools ? new ToolCallStreamFilter(tools) : null;
        await foreach (var chunk in request.Chunks.ConfigureAwait(false))
        {
            string text = filter?.Append(chunk.Text) ?? chunk.Text;
            if (chunk.FinishReason == Generation.FinishReason.Cancelled)
            {
                if (text.Length > 0) yield return Update(responseId, [new TextContent(text)]);
                cancellationToken.ThrowIfCancellationRequested();
            }
            if (chunk.FinishReason is { } reason)
            {
                var finish = Map(reason);
                List<AIContent> calls = [];
                if (filter?.Finish() is { } parsed)
                {
                    // What was held back and turned out not to be a call, or followed the calls.
                    text += parsed.Content;
                    calls.AddRange(ChatMessageMapper.FunctionCalls(parsed));
                    if (parsed.HasToolCalls) finish = ChatFinishReason.ToolCalls;
                }
                List<AIContent> contents = [new TextContent(text), .. calls];
                var update = Update(responseId, contents);
                update.FinishReason = finish;
                if (Usage(chunk.Usage) is { } usage) update.Contents.Add(new UsageContent(usage));
                yield return update;
            }
            else if (text.Length > 0)
            {
                yield return Update(responseId, [new TextContent(text)]);
            }
        }
    }

    private ChatResponseUpdate Update(string responseId, IList<AIContent> contents) => new(ChatRole.Assistant, contents)
    {
        ModelId = ModelId,
        ResponseId = responseId,
        MessageId = responseId,
        CreatedAt = DateTimeOffset.UtcNow,
    };

    /// <summary>One request: its tool protocol (null without tools) and its chunks, not yet started.</summary>
    private readonly record struct Request(ToolCallProtocol? Tools, IAsyncEnumerable<GenerationChunk> Chunks);

    private Request Prepare(IEnumerable<AiChatMessage> messages, ChatOptions? options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var converted = ChatMessageMapper.ToSpindle(messages, options?.Instructions);
        var tools = ChatOptionsMapper.ToolsOf(options);
        var generation = ChatOptionsMapper.Apply(Defaults, options);
        if (tools is not null) generation = tools.ApplyTo(generation);
        int[] prompt = _model.EncodeChat(converted, tools, generation, cancellationToken);
        return new Request(tools, _model.GenerateAsync(prompt, generation, cancellationToken));
    }

    private static ChatFinishReason? Map(Generation.FinishReason? reason) => reason switch
    {
        Generation.FinishReason.EndOfGeneration or Generation.FinishReason.StopString => ChatFinishReason.Stop,
        Generation.FinishReason.Length => ChatFinishReason.Length,
        _ => null,
    };

    private static UsageDetails? Usage(GenerationUsage? usage) => usage is null ? null : new UsageDetails
    {
        InputTokenCount = usage.PromptTokens,
        OutputTokenCount = usage.GeneratedTokens,
        TotalTokenCount = usage.PromptTokens + usage.GeneratedTokens,
    };

    public object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        if (serviceKey is not null) return null;
        if (serviceType == typeof(ChatClientMetadata)) return _metadata;
        if (serviceType == typeof(SpindleModel)) return _model;
        return serviceType.IsInstanceOfType(this) ? this : null;
    }

    public void Dispose()
    {
        if (_ownsModel) _model.Dispose();
    }
}
