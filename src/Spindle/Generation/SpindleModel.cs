using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json.Nodes;
using Spindle.Caching;
using Spindle.Chat;
using Spindle.Chat.Tools;
using Spindle.Constraints;
using Spindle.Constraints.Vocabulary;
using Spindle.Decoding.Speculative;
using Spindle.Models;
using Spindle.Sampling;
using Spindle.Tokenization;
using Spindle.Watermarking;

namespace Spindle.Generation;

/// <summary>
/// A loaded model ready to generate text: the weights, the tokenizer and the chat template of one GGUF file, and one
/// inference session whose KV cache is kept between calls, so a prompt that extends the previous one (the next turn of
/// a chat) only evaluates its new tokens.
/// <para>
/// Threading: <see cref="GenerateAsync(IReadOnlyList{int}, GenerationOptions?, CancellationToken)"/> runs the forward
/// passes synchronously inside the iterator's MoveNextAsync, on the caller's thread: each MoveNextAsync evaluates the
/// previous token and samples the next. No background thread exists, so nothing outlives the enumeration, the consumer
/// sets the pace, and cancellation is observed before every forward pass (the prompt's between micro-batches). A
/// cancelled request, even one cancelled before it started or while waiting for another, ends with a chunk whose
/// finish reason is <see cref="FinishReason.Cancelled"/>, not with an exception. Callers that
/// must not block (UI, request threads) enumerate inside <see cref="Task.Run(Action)"/>. One generation runs at a time;
/// concurrent calls wait for the previous one to finish.
/// </para>
/// </summary>
public sealed class SpindleModel : IDisposable
{
    private readonly InferenceSession _session;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly List<int> _cachedTokens = [];
    private readonly Lazy<ChatTemplate> _chatTemplate;
    private readonly RawLogprobs _logprobs;
    private readonly Lazy<TokenTrie> _constraintTrie;
    private IDrafter? _drafter;
    private SpeculationOptions? _drafterOptions;

    private SpindleModel(Model model, Tokenizer tokenizer, SpindleModelOptions options)
    {
        Model = model;
        Tokenizer = tokenizer;
        Options = options;
        _session = new InferenceSession(model, options.CacheType, options.ContextLength);
        _logprobs = new RawLogprobs(model.Config.VocabSize);
        string? source = options.ChatTemplate ?? model.File.Metadata.GetStringOrNull(ChatTemplateKey);
        _chatTemplate = new Lazy<ChatTemplate>(() => ChatTemplate.ParseOrDefault(source));
        _constraintTrie = new Lazy<TokenTrie>(() => new TokenTrie(new TokenizerConstraintVocabulary(tokenizer)));
    }

    public const string ChatTemplateKey = "tokenizer.chat_template";

    public Model Model { get; }

    public Tokenizer Tokenizer { get; }

    public Vocabulary Vocabulary => Tokenizer.Vocabulary;

    public SpindleModelOptions Options { get; }

    /// <summary>The file's <c>tokenizer.chat_template</c>, or ChatML when it has none.</summary>
    public ChatTemplate ChatTemplate => _chatTemplate.Value;

    /// <summary>Tokens the context (KV cache) holds.</summary>
    public int ContextLength => _session.Cache.Capacity;

    /// <summary>The session whose cache <see cref="GenerateAsync(IReadOnlyList{int}, GenerationOptions?, CancellationToken)"/> reuses.</summary>
    public InferenceSession Session => _session;

    /// <summary>
    /// Loads a GGUF file or a Hugging Face checkpoint folder with its tokenizer (or the one
    /// <see cref="SpindleModelOptions.TokenizerPath"/> names) and chat template.
    /// </summary>
    public static SpindleModel Load(string path, SpindleModelOptions? options = null)
    {
        options ??= new SpindleModelOptions();
        var model = Model.Load(path, new ModelOptions { ThreadCount = options.ThreadCount });
        try
        {
            var tokenizer = options.TokenizerPath is { } tokenizerPath
                ? Tokenizer.FromFile(tokenizerPath, model.Config.VocabSize)
                : Tokenizer.FromGguf(model.File);
            return new SpindleModel(model, tokenizer, options);
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>Renders <paramref name="messages"/> with the chat template, ending with the assistant's generation prompt.</summary>
    public string RenderChat(IReadOnlyList<ChatMessage> messages, CancellationToken cancellationToken = default) =>
        RenderChat(messages, tools: null, extraVariables: null, cancellationToken);

    /// <summary>
    /// Renders <paramref name="messages"/> with the chat template's <c>tools</c> variable set to <paramref name="tools"/>
    /// (null: undefined) and <paramref name="extraVariables"/> (e.g. <c>enable_thinking</c>), ending with the assistant's
    /// generation prompt. The messages go in as given; <see cref="ToolCallProtocol.PrepareMessages"/> adapts them for a
    /// template without tool support.
    /// </summary>
    public string RenderChat(IReadOnlyList<ChatMessage> messages, IReadOnlyList<JsonNode?>? tools,
        IReadOnlyDictionary<string, JsonNode?>? extraVariables = null, CancellationToken cancellationToken = default) =>
        ChatTemplate.Render(messages, new ChatTemplateOptions
        {
            AddGenerationPrompt = true,
            BosToken = TokenText(Vocabulary.BosId),
            EosToken = TokenText(Vocabulary.EosId),
            Tools = tools,
            ExtraVariables = extraVariables,
        }, cancellationToken);

    /// <summary>The prompt tokens for a plain-text prompt (BOS added as the vocabulary asks unless options say otherwise).</summary>
    public int[] EncodePrompt(string prompt, GenerationOptions? options = null) =>
        Tokenizer.Encode(prompt, options?.AddSpecial ?? true, options?.ParseSpecial ?? false);

    /// <summary>
    /// The prompt tokens for a conversation: the rendered template with control-token text parsed, and BOS added only when
    /// the template did not already write it.
    /// </summary>
    public int[] EncodeChat(IReadOnlyList<ChatMessage> messages, GenerationOptions? options = null, CancellationToken cancellationToken = default) =>
        EncodeRendered(RenderChat(messages, cancellationToken), options);

    /// <summary>
    /// The prompt tokens for a conversation with tools: <paramref name="tools"/> prepares the messages for this model's
    /// template (<see cref="ToolCallProtocol.PrepareMessages"/>) and fills its <c>tools</c> variable. With
    /// <paramref name="tools"/> null, earlier tool calls and results are still written as text for a template
    /// without tool support (<see cref="ToolCallProtocol.PrepareHistory"/>). Generate with
    /// <see cref="ToolCallProtocol.ApplyTo"/>'s options so Required / Named replies are constrained.
    /// </summary>
    public int[] EncodeChat(IReadOnlyList<ChatMessage> messages, ToolCallProtocol? tools, GenerationOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var template = ChatTemplate;
        var prepared = tools is null ? ToolCallProtocol.PrepareHistory(messages, template) : tools.PrepareMessages(messages, template);
        return EncodeRendered(RenderChat(prepared, tools?.TemplateToolsVariable, extraVariables: null, cancellationToken), options);
    }

    private int[] EncodeRendered(string text, GenerationOptions? options)
    {
        string bos = TokenText(Vocabulary.BosId);
        bool addSpecial = options?.AddSpecial ?? !(bos.Length > 0 && text.StartsWith(bos, StringComparison.Ordinal));
        return Tokenizer.Encode(text, addSpecial, options?.ParseSpecial ?? true);
    }

    public IAsyncEnumerable<GenerationChunk> GenerateAsync(string prompt, GenerationOptions? options = null, CancellationToken cancellationToken = default) =>
        GenerateAsync(EncodePrompt(prompt, options), options, cancellationToken);

    public IAsyncEnumerable<GenerationChunk> GenerateAsync(IReadOnlyList<ChatMessage> messages, GenerationOptions? options = null, CancellationToken cancellationToken = default) =>
        GenerateAsync(EncodeChat(messages, options, cancellationToken), options, cancellationToken);

    /// <summary>The tokenizer's tokens as the constraint engine sees them, built on first use and shared by every request.</summary>
    public TokenTrie ConstraintTrie => _constraintTrie.Value;

    /// <summary>Compiled constraint grammars of this model's requests (the same source compiles once).</summary>
    public GrammarCache Grammars { get; } = new();

    /// <summary>
    /// A fresh grammar state for <paramref name="constraint"/> over this model's vocabulary; throws
    /// <see cref="GrammarException"/> when the source does not compile.
    /// </summary>
    public Matcher CreateMatcher(ConstraintSpec constraint)
    {
        ArgumentNullException.ThrowIfNull(constraint);
        return new Matcher(constraint.Compile(Grammars), ConstraintTrie);
    }

    /// <summary>How the next token is chosen for <paramref name="options"/>: their selector factory's, else the sampler chain they describe.</summary>
    public ITokenSelector CreateSelector(GenerationOptions options) =>
        options.SelectorFactory?.Invoke(this, options) ?? new SamplerChainSelector(CreateSamplerChain(options));

    /// <summary>
    /// The sampler chain <paramref name="options"/> describe, for this model's vocabulary and context: the constraint
    /// stage, then the watermark's stage after the penalties, or the watermark's picker (tournament sampling).
    /// </summary>
    public SamplerChain CreateSamplerChain(GenerationOptions options)
    {
        List<ILogitsStage>? masks = null;
        if (options.Constraint is { } constraint) (masks ??= []).Add(CreateConstraintStage(constraint, options.GrammarAlignment));
        Func<SamplerRng, ILogitsStage>? picker = null;
        if (options.Watermark is { } watermark)
        {
            if (WatermarkStages.CreateMaskStage(watermark, Model, Vocabulary.BosId) is { } stage) (masks ??= []).Add(stage);
            picker = WatermarkStages.PickerFactory(watermark);
        }
        return SamplerChainBuilder.Build(options.EffectiveSampling, Model.Config.VocabSize, ContextLength,
            id => Encoding.UTF8.GetString(Tokenizer.TokenToPiece(id, special: true)), masks, picker);
    }

    private ILogitsStage CreateConstraintStage(ConstraintSpec constraint, Sampling.Aligned.AsapState? alignment) =>
        alignment is null
            ? new ConstraintMaskStage(CreateMatcher(constraint))
            : new Sampling.Aligned.AsapStage(alignment, constraint.Compile(Grammars), ConstraintTrie);

    /// <summary>Generates a continuation of <paramref name="promptTokens"/>; the last chunk carries the finish reason and usage.</summary>
    public async IAsyncEnumerable<GenerationChunk> GenerateAsync(
        IReadOnlyList<int> promptTokens, GenerationOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        options ??= new GenerationOptions();
        if (promptTokens.Count == 0) throw new ArgumentException("the prompt has no tokens", nameof(promptTokens));
        if (promptTokens.Count >= ContextLength) throw new ContextExceededException(promptTokens.Count, ContextLength);
        options.Validate();

        // A request cancelled while it waits for the model (or before it starts) ends like one cancelled mid-reply:
        // with a Cancelled chunk, not an exception, so a chat's Ctrl-C right after Enter only cancels that reply.
        bool entered;
        try
        {
            await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
            entered = true;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            entered = false;
        }
        if (!entered)
        {
            yield return new GenerationChunk
            {
                TokenId = -1, FinishReason = FinishReason.Cancelled,
                Usage = new GenerationUsage(promptTokens.Count, 0, 0, TimeSpan.Zero, TimeSpan.Zero, TimeSpan.Zero),
            };
            yield break;
        }
        try
        {
            if (options.Beam is not null || options.Contrastive is not null)
            {
                foreach (var chunk in SearchGeneration.Run(this, promptTokens, options, cancellationToken)) yield return chunk;
                yield break;
            }
            if (options.Speculation is not null)
            {
                foreach (var chunk in SpeculativeGeneration.Run(this, promptTokens, options, cancellationToken)) yield return chunk;
                yield break;
            }
            var selector = CreateSelector(options);
            var emitter = new TokenEmitter(selector, _logprobs, Tokenizer, options, promptTokens);

            var clock = Stopwatch.StartNew();
            int cached = Prefill(promptTokens, cancellationToken, out bool prefilled);
            var prefillTime = clock.Elapsed;
            int pending = -1; // sampled and delivered, not yet evaluated
            GenerationUsage Usage() => new(promptTokens.Count, cached, emitter.Generated, prefillTime, clock.Elapsed - prefillTime,
                emitter.SamplingTime);

            if (!prefilled)
            {
                yield return emitter.Finish(FinishReason.Cancelled, Usage());
                yield break;
            }
            if (options.MaxTokens == 0)
            {
                yield return emitter.Finish(FinishReason.Length, Usage());
                yield break;
            }
            while (true)
            {
                if (cancellationToken.IsCancellationRequested)
                {
                    yield return emitter.Finish(FinishReason.Cancelled, Usage());
                    yield break;
                }
                if (pending >= 0)
                {
                    _session.Decode(pending);
                    _cachedTokens.Add(pending);
                    pending = -1;
                    if (cancellationToken.IsCancellationRequested) continue;
                }

                var chunk = emitter.Step(_session.Logits, contextFull: _session.TokenCount >= ContextLength);
                if (chunk.FinishReason is not null)
                {
                    yield return TokenEmitter.WithUsage(chunk, Usage());
                    yield break;
                }
                yield return chunk;
                pending = chunk.TokenId;
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Forgets the cached tokens, so the next call evaluates its whole prompt, and what speculative decoding learned
    /// from earlier calls (a draft model's cache, Token Recycling's adjacency matrix).
    /// </summary>
    public void ResetCache()
    {
        _session.Reset();
        _cachedTokens.Clear();
        _drafter?.Dispose();
        _drafter = null;
        _drafterOptions = null;
    }

    /// <summary>
    /// Evaluates the part of the prompt the cache does not already hold, in micro-batches that each check
    /// <paramref name="cancellationToken"/>; returns how many tokens were reused. <paramref name="complete"/> is false when
    /// it was cancelled part-way: the cache (and <see cref="_cachedTokens"/>) then hold the prompt as far as it got, which a
    /// next call with the same prompt reuses.
    /// </summary>
    internal int PrefillPrompt(IReadOnlyList<int> prompt, CancellationToken cancellationToken, out bool complete) =>
        Prefill(prompt, cancellationToken, out complete);

    /// <summary>The tokens whose keys and values <see cref="Session"/>'s cache holds, in order (speculation appends to it).</summary>
    internal List<int> CachedTokens => _cachedTokens;

    internal RawLogprobs Logprobs => _logprobs;

    /// <summary>
    /// The drafter for <paramref name="speculation"/>, kept across calls with equal options: a draft model's cache keeps
    /// the shared prefix, Token Recycling's adjacency matrix stays warm.
    /// </summary>
    internal IDrafter DrafterFor(SpeculationOptions speculation)
    {
        if (_drafter is not null && Equals(_drafterOptions, speculation)) return _drafter;
        _drafter?.Dispose();
        _drafter = null;
        _drafter = Drafters.Create(speculation, Model, ContextLength);
        _drafterOptions = speculation;
        return _drafter;
    }

    private int Prefill(IReadOnlyList<int> prompt, CancellationToken cancellationToken, out bool complete)
    {
        int common = 0;
        while (common < prompt.Count && common < _cachedTokens.Count && prompt[common] == _cachedTokens[common]) common++;
        // At least one token is evaluated so the session holds the logits that follow the prompt.
        if (common == prompt.Count) common--;
        _session.Rollback(common);
        _cachedTokens.RemoveRange(common, _cachedTokens.Count - common);
        var rest = new int[prompt.Count - common];
        for (int i = 0; i < rest.Length; i++) rest[i] = prompt[common + i];
        int done, before = _session.TokenCount;
        try
        {
            if (cancellationToken.IsCancellationRequested) done = 0;
            else
            {
                _session.Prefill(rest, cancellationToken);
                done = rest.Length;
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Cancelled between micro-batches: the cache holds the ones that finished.
            done = _session.TokenCount - before;
        }
        catch
        {
            ResetCache();
            throw;
        }
        _cachedTokens.AddRange(new ArraySegment<int>(rest, 0, done));
        complete = done == rest.Length;
        return common;
    }

    private string TokenText(int id) => Vocabulary.IsValid(id) ? Vocabulary.Tokens[id] : "";

    public void Dispose()
    {
        _drafter?.Dispose();
        Model.Dispose();
        _gate.Dispose();
    }
}
