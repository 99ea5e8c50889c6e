using System.Diagnostics;
using Spindle.Tokenization;

namespace Spindle.Generation;

/// <summary>
/// The per-token half of the generation loop, shared by <see cref="SpindleModel"/> (one sequence) and the batch
/// engine (many): given the logits after the sequence so far, it chooses the next token, measures its raw logprob,
/// decodes its text, matches stop strings and decides whether the sequence ends. The caller owns the forward passes.
/// One instance per sequence; <see cref="RawLogprobs"/> may be shared by sequences stepped one after another.
/// </summary>
public sealed class TokenEmitter
{
    private readonly ITokenSelector _selector;
    private readonly RawLogprobs _logprobs;
    private readonly Vocabulary _vocabulary;
    private readonly TokenStreamDecoder _decoder;
    private readonly StopStringMatcher _stops;
    private readonly int _maxTokens;
    private readonly int _topLogprobs;
    private long _samplingTicks;

    /// <param name="promptTokens">The prompt, fed to the selector first (penalties and grammars see it).</param>
    public TokenEmitter(ITokenSelector selector, RawLogprobs logprobs, Tokenizer tokenizer, GenerationOptions options,
        IReadOnlyList<int> promptTokens)
    {
        _selector = selector;
        _logprobs = logprobs;
        _vocabulary = tokenizer.Vocabulary;
        _decoder = new TokenStreamDecoder(tokenizer);
        _stops = new StopStringMatcher(options.StopStrings);
        _maxTokens = options.MaxTokens;
        _topLogprobs = options.TopLogprobs;
        for (int i = 0; i < promptTokens.Count; i++) selector.Accept(promptTokens[i]);
    }

    /// <summary>Tokens chosen so far.</summary>
    public int Generated { get; private set; }

    /// <summary>Time spent choosing tokens and computing logprobs.</summary>
    public TimeSpan SamplingTime => TimeSpan.FromTicks(_samplingTicks * TimeSpan.TicksPerSecond / Stopwatch.Frequency);

    /// <summary>
    /// Chooses the next token from <paramref name="logits"/>. The returned chunk has a finish reason when the sequence
    /// ends here (end of generation, a stop string, <see cref="GenerationOptions.MaxTokens"/>, or
    /// <paramref name="contextFull"/>: no slot left for the token); otherwise its token must be evaluated next.
    /// A closing chunk carries no usage yet: the caller adds it with <see cref="WithUsage"/>.
    /// </summary>
    public GenerationChunk Step(ReadOnlySpan<float> logits, bool contextFull)
    {
        long start = Stopwatch.GetTimestamp();
        int token = _selector.Select(logits);
        _samplingTicks += Stopwatch.GetTimestamp() - start;
        return Emit(logits, token, contextFull);
    }

    /// <summary>
    /// As <see cref="Step"/> for a token chosen elsewhere from <paramref name="logits"/> (speculative decoding's
    /// verifier): the selector is told of it, and it is measured, decoded and matched like a selected one.
    /// </summary>
    public GenerationChunk Emit(ReadOnlySpan<float> logits, int token, bool contextFull)
    {
        long start = Stopwatch.GetTimestamp();
        _logprobs.Compute(logits);
        float logprob = _logprobs.Of(logits, token);
        TokenLogprob[] top = [];
        if (_topLogprobs > 0)
        {
            top = new TokenLogprob[Math.Min(_topLogprobs, logits.Length)];
            _logprobs.Top(logits, top);
        }
        _selector.Accept(token);
        _samplingTicks += Stopwatch.GetTimestamp() - start;
        Generated++;

        if (_vocabulary.IsEndOfGeneration(token))
            return Closing(token, "", logprob, top, FinishReason.EndOfGeneration, null);
        if (_stops.Append(_decoder.Append(token), out string released))
        {
            return new GenerationChunk
            {
                TokenId = token, Text = released, Logprob = logprob, TopLogprobs = top,
                FinishReason = FinishReason.StopString,
            };
        }
        if (Generated >= _maxTokens || contextFull)
            return Closing(token, released, logprob, top, FinishReason.Length, null);
        return new GenerationChunk { TokenId = token, Text = released, Logprob = logprob, TopLogprobs = top };
    }

    /// <summary>The closing chunk of a sequence that ends without a new token (cancelled, or no tokens wanted).</summary>
    public GenerationChunk Finish(FinishReason reason, GenerationUsage usage) => Closing(-1, "", 0, [], reason, usage);

    /// <summary>A copy of a closing chunk with its usage.</summary>
    public static GenerationChunk WithUsage(GenerationChunk chunk, GenerationUsage usage) => new()
    {
        TokenId = chunk.TokenId, Text = chunk.Text, Logprob = chunk.Logprob, TopLogprobs = chunk.TopLogprobs,
        FinishReason = chunk.FinishReason, Usage = usage,
    };

    /// <summary>The last chunk: its own text, then whatever the UTF-8 decoder and the stop matcher still held.</summary>
    private GenerationChunk Closing(int token, string text, float logprob, TokenLogprob[] top, FinishReason reason, GenerationUsage? usage)
    {
        if (_stops.Append(_decoder.Flush(), out string tail))
            return new GenerationChunk { TokenId = token, Text = text + tail, Logprob = logprob, TopLogprobs = top, FinishReason = FinishReason.StopString, Usage = usage };
        return new GenerationChunk
        {
            TokenId = token, Text = text + tail + _stops.Flush(), Logprob = logprob, TopLogprobs = top,
            FinishReason = reason, Usage = usage,
        };
    }
}
