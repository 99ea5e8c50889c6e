using System.Threading.Channels;

namespace Spindle.Serving;

/// <summary>
/// The chunks of a request submitted to a <see cref="BatchEngine"/>, every choice interleaved in the order the engine
/// produced them; each choice ends with a chunk that has a finish reason. A request cancelled through its token ends
/// each choice with a <see cref="Generation.FinishReason.Cancelled"/> chunk; a failed forward pass ends the
/// enumeration with its exception.
/// </summary>
public sealed class GenerationStream : IAsyncEnumerable<ChoiceChunk>
{
    private readonly ChannelReader<ChoiceChunk> _reader;

    internal GenerationStream(ChannelReader<ChoiceChunk> reader, int choices, int promptTokens)
    {
        _reader = reader;
        Choices = choices;
        PromptTokens = promptTokens;
    }

    public int Choices { get; }

    public int PromptTokens { get; }

    public async IAsyncEnumerator<ChoiceChunk> GetAsyncEnumerator(CancellationToken cancellationToken = default)
    {
        // The request's own token cancels the generation; the engine then still delivers each choice's closing chunk,
        // so the reader's token here only stops the reading.
        while (await _reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
            while (_reader.TryRead(out var chunk)) yield return chunk;
    }
}
