using System.Threading.Channels;
using Spindle.Generation;

namespace Spindle.Serving;

/// <summary>A submitted request: its prompt, its choices and the channel their chunks go to.</summary>
internal sealed class BatchRequest(IReadOnlyList<int> prompt, GenerationOptions options, CancellationToken cancellationToken)
{
    public IReadOnlyList<int> Prompt { get; } = prompt;

    public GenerationOptions Options { get; } = options;

    public CancellationToken CancellationToken { get; } = cancellationToken;

    public Channel<ChoiceChunk> Output { get; } =
        Channel.CreateUnbounded<ChoiceChunk>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });

    /// <summary>One emitter per choice, made on the caller's thread so a grammar that cannot compile fails the submit.</summary>
    public required TokenEmitter[] Emitters { get; init; }

    /// <summary>Each choice's sampler chain, kept when the request decodes speculatively (the verifier shapes it).</summary>
    public Sampling.SamplerChain?[] Chains { get; init; } = [];

    /// <summary>Choices not yet finished; the channel completes when it reaches zero.</summary>
    public int Unfinished { get; set; }
}
