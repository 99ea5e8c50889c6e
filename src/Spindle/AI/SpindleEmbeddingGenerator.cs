using Microsoft.Extensions.AI;
using Spindle.Generation;

namespace Spindle.AI;

/// <summary>
/// A <see cref="SpindleModel"/> as a Microsoft.Extensions.AI embedding generator: each text is tokenized as a plain
/// prompt (BOS as the vocabulary asks) and embedded by <see cref="TextEmbedder.Embed"/> (mean-pooled final hidden
/// state, unit length). <see cref="EmbeddingGenerationOptions.Dimensions"/> keeps the first N dimensions, normalized
/// again. Usage counts the input tokens. Inputs run one after another on the caller's thread, each in a cache of its
/// own, so generation on the same model is not disturbed (forward passes take turns).
/// </summary>
public sealed class SpindleEmbeddingGenerator : IEmbeddingGenerator<string, Embedding<float>>
{
    private readonly SpindleModel _model;
    private readonly bool _ownsModel;
    private readonly EmbeddingGeneratorMetadata _metadata;

    /// <param name="ownsModel">Dispose the model with the generator.</param>
    public SpindleEmbeddingGenerator(SpindleModel model, string? modelId = null, bool ownsModel = false)
    {
        _model = model ?? throw new ArgumentNullException(nameof(model));
        _ownsModel = ownsModel;
        ModelId = modelId ?? model.Model.File.Metadata.GetStringOrNull("general.name") ?? "spindle";
        _metadata = new EmbeddingGeneratorMetadata("spindle", null, ModelId, model.Model.Config.EmbeddingLength);
    }

    public string ModelId { get; }

    /// <exception cref="Caching.ContextExceededException">a text has more tokens than the model's context.</exception>
    /// <exception cref="ArgumentOutOfRangeException">Dimensions outside 1..the model's embedding length.</exception>
    public Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<string> values, EmbeddingGenerationOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(values);
        var result = new GeneratedEmbeddings<Embedding<float>>();
        long tokens = 0;
        foreach (string value in values)
        {
            ArgumentNullException.ThrowIfNull(value, nameof(values));
            int[] ids = _model.EncodePrompt(value);
            tokens += ids.Length;
            result.Add(new Embedding<float>(TextEmbedder.Embed(_model, ids, options?.Dimensions, cancellationToken))
            {
                ModelId = ModelId,
                CreatedAt = DateTimeOffset.UtcNow,
            });
        }
        result.Usage = new UsageDetails { InputTokenCount = tokens, TotalTokenCount = tokens };
        return Task.FromResult(result);
    }

    public object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        if (serviceKey is not null) return null;
        if (serviceType == typeof(EmbeddingGeneratorMetadata)) return _metadata;
        if (serviceType == typeof(SpindleModel)) return _model;
        return serviceType.IsInstanceOfType(this) ? this : null;
    }

    public void Dispose()
    {
        if (_ownsModel) _model.Dispose();
    }
}
