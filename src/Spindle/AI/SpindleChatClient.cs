using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;
using Spindle.Generation;
using AiChatMessage = Microsoft.Extensions.AI.ChatMessage;
using SpindleChatMessage = Spindle.Chat.ChatMessage;

namespace Spindle.AI;

/// <summary>
/// A <see cref="SpindleModel"/> as a Microsoft.Extensions.AI <see cref="IChatClient"/>: messages go through the model's
/// chat template, <see cref="ChatOptions"/> map onto <see cref="GenerationOptions"/> (see <see cref="ChatOptionsMapper"/>),
/// and responses carry input/output token counts. Text content only (no tools). A JSON response format constrains the
/// output to its schema, so the reply always parses (unless MaxOutputTokens cuts it: finish reason Length). Requests on one client run one at a
/// time, each reusing the cached prefix of the previous conversation.
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
        var text = new System.Text.StringBuilder();
        GenerationChunk? last = null;
        await foreach (var chunk in Generate(messages, options, cancellationToken).ConfigureAwait(false))
        {
            text.Append(chunk.Text);
            last = chunk;
        }
        cancellationToken.ThrowIfCancellationRequested();
        return new ChatResponse(new AiChatMessage(ChatRole.Assistant, text.ToString()))
        {
            ModelId = ModelId,
            ResponseId = Guid.NewGuid().ToString("N"),
            CreatedAt = DateTimeOffset.UtcNow,
            FinishReason = Map(last?.FinishReason),
            Usage = Usage(last?.Usage),
        };
    }

    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<AiChatMessage> messages, ChatOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        string responseId = Guid.NewGuid().ToString("N");
        await foreach (var chunk in Generate(messages, options, cancellationToken).ConfigureAwait(false))
        {
            if (chunk.FinishReason == Generation.FinishReason.Cancelled)
            {
                if (chunk.Text.Length > 0) yield return Update(responseId, chunk.Text);
                cancellationToken.ThrowIfCancellationRequested();
            }
            var update = Update(responseId, chunk.Text);
            if (chunk.FinishReason is { } reason)
            {
                update.FinishReason = Map(reason);
                if (Usage(chunk.Usage) is { } usage) update.Contents.Add(new UsageContent(usage));
                yield return update;
            }
            else if (chunk.Text.Length > 0)
            {
                yield return update;
            }
        }
    }

    private ChatResponseUpdate Update(string responseId, string text) => new(ChatRole.Assistant, text)
    {
        ModelId = ModelId,
        ResponseId = responseId,
        MessageId = responseId,
        CreatedAt = DateTimeOffset.UtcNow,
    };

    private IAsyncEnumerable<GenerationChunk> Generate(IEnumerable<AiChatMessage> messages, ChatOptions? options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var converted = new List<SpindleChatMessage>();
        if (!string.IsNullOrEmpty(options?.Instructions)) converted.Add(SpindleChatMessage.System(options.Instructions));
        foreach (var m in messages) converted.Add(new SpindleChatMessage(m.Role.Value, m.Text));
        return _model.GenerateAsync(converted, ChatOptionsMapper.Apply(Defaults, options), cancellationToken);
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
