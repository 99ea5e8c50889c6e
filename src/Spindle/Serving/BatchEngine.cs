using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.InteropServices;
using Spindle.Caching;
using Spindle.Decoding.Speculative;
using Spindle.Generation;
using Spindle.Models;

namespace Spindle.Serving;

/// <summary>
/// Serves many requests on one model at once (continuous batching). Sequences join and leave between steps; each step
/// is one forward pass holding every decoding sequence's next token and, up to
/// <see cref="BatchEngineOptions.StepTokenBudget"/> tokens in all, chunks of prompts still being prefilled (chunked
/// prefill, SARATHI), so a prompt that arrives delays the running streams by a short step at a time. Keys and
/// values live in one paged block pool; finished sequences leave their blocks to a <see cref="PrefixCache"/>, so a
/// later prompt with the same start (a system prompt, the previous turns of a chat, a few-shot preamble) skips those
/// tokens, and the <c>n</c> choices of one request share their prompt's blocks.
/// <para>
/// A request is admitted when a sequence slot is free and the pool can hold its prompt plus its
/// <see cref="GenerationOptions.MaxTokens"/> (counting blocks the prefix cache can give back), so a running sequence
/// never runs out of blocks. Requests wait in FIFO order; past <see cref="BatchEngineOptions.MaxQueuedRequests"/> they
/// are refused with <see cref="EngineBusyException"/>.
/// </para>
/// One thread runs the loop; <see cref="Submit"/> is thread-safe and never blocks on the model.
/// </summary>
public sealed class BatchEngine : IDisposable
{
    private readonly SpindleModel _model;
    private readonly BatchEngineOptions _options;
    private readonly KvBlockPool _pool;
    private readonly PrefixCache? _prefixes;
    private readonly ConcurrentQueue<BatchRequest> _incoming = new();
    private readonly List<BatchRequest> _waiting = [];
    private readonly List<BatchSequence> _active = [];
    private readonly Dictionary<BatchSequence, List<BatchSequence>> _siblings = [];
    private readonly SemaphoreSlim _wake = new(0);
    private readonly Thread _thread;
    private readonly ForwardBatch _batch;
    private float[] _logits;
    private AttentionMask? _mask; // made at the first step with a draft tree: it is batch² booleans
    private readonly Dictionary<SpeculationOptions, IDrafter> _sharedDrafters = [];
    private readonly List<GenerationChunk> _roundChunks = [];
    private readonly List<(BatchSequence, Exception)> _draftFailures = [];
    private readonly RawLogprobs _logprobs;
    private readonly List<int> _matched = [];
    private readonly List<KvCache> _stepCaches = [];
    private readonly List<BatchSequence> _stepOutputs = [];
    private readonly int _vocabulary;
    private volatile bool _disposed;
    private int _queued;
    private int _activeCount;
    private long _requests, _promptTokens, _prefixHitTokens, _generatedTokens, _steps;

    public BatchEngine(SpindleModel model, BatchEngineOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        options ??= new BatchEngineOptions();
        options.Validate();
        _model = model;
        _options = options;
        ContextLength = options.ContextLength ?? model.Model.Config.ContextLength;
        int blockSlots = KvBlockPool.DefaultBlockSlots;
        // By default every sequence can reach its whole context, with the one spare block a copy-on-write may take.
        long blocks = options.KvSlots is { } slots
            ? (slots + blockSlots - 1) / blockSlots
            : (long)options.MaxSequences * ((ContextLength + blockSlots - 1) / blockSlots + 1);
        _pool = model.Model.CreateBlockPool((int)Math.Min(int.MaxValue, blocks), options.CacheFormat);
        if (options.PrefixCaching) _prefixes = new PrefixCache(_pool);
        _vocabulary = model.Model.Config.VocabSize;
        int batchTokens = Math.Max(options.StepTokenBudget, BatchEngineOptions.IdleStepTokens) + options.MaxSequences * (1 + BatchEngineOptions.MaxDraftTokens);
        _batch = new ForwardBatch(batchTokens);
        _logits = new float[(long)options.MaxSequences * _vocabulary];
        _logprobs = new RawLogprobs(_vocabulary);
        _thread = new Thread(Run) { IsBackground = true, Name = "spindle-batch-engine" };
        _thread.Start();
    }

    public SpindleModel Model => _model;

    public BatchEngineOptions Options => _options;

    /// <summary>Context of each sequence (prompt plus output).</summary>
    public int ContextLength { get; }

    /// <summary>The KV block pool every sequence draws on.</summary>
    public KvBlockPool BlockPool => _pool;

    /// <summary>
    /// The engine's state now. KV blocks in use are those some sequence holds; blocks only the prefix cache keeps are
    /// counted apart (they are free for the taking), so an idle engine has none in use.
    /// </summary>
    public BatchEngineStats Stats => new(
        Volatile.Read(ref _queued), Volatile.Read(ref _activeCount), _pool.UsedBlocks - Volatile.Read(ref _idleCachedBlocks), _pool.MaxBlocks,
        Volatile.Read(ref _cachedBlocks), Interlocked.Read(ref _requests), Interlocked.Read(ref _promptTokens),
        Interlocked.Read(ref _prefixHitTokens), Interlocked.Read(ref _generatedTokens), Interlocked.Read(ref _steps));

    private int _cachedBlocks;
    private int _idleCachedBlocks;

    /// <summary>
    /// Queues a generation of <paramref name="choices"/> continuations of <paramref name="promptTokens"/>. Everything
    /// that can be checked is checked here, before the request is queued: the options (a constraint that does not
    /// compile throws <see cref="Constraints.GrammarException"/>), the prompt against the context
    /// (<see cref="ContextExceededException"/>), the request against the whole pool (<see cref="KvCacheFullException"/>),
    /// and the queue (<see cref="EngineBusyException"/>). Choice i samples with seed + i.
    /// </summary>
    public GenerationStream Submit(IReadOnlyList<int> promptTokens, GenerationOptions? options = null, int choices = 1,
        CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentNullException.ThrowIfNull(promptTokens);
        options ??= new GenerationOptions();
        if (promptTokens.Count == 0) throw new ArgumentException("the prompt has no tokens", nameof(promptTokens));
        ArgumentOutOfRangeException.ThrowIfLessThan(choices, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(choices, _options.MaxSequences, nameof(choices));
        options.Validate();
        if (options.Beam is not null || options.Contrastive is not null)
            throw new ArgumentException("beam and contrastive search are not batched; use SpindleModel.GenerateAsync", nameof(options));
        if (promptTokens.Count >= ContextLength) throw new ContextExceededException(promptTokens.Count, ContextLength);
        if (options.Speculation is { } speculation)
        {
            ArgumentOutOfRangeException.ThrowIfGreaterThan(speculation.DraftMax, BatchEngineOptions.MaxDraftTokens, "Speculation.DraftMax");
            if (speculation.Method == SpeculationMethod.SelfSpeculation)
                throw new ArgumentException("self-speculation is not batched; use SpindleModel.GenerateAsync", nameof(options));
        }
        int[] prompt = [.. promptTokens];
        int blocks = ReservationBlocks(prompt.Length, options.MaxTokens, choices, adoptedBlocks: 0);
        if (blocks > _pool.MaxBlocks)
            throw new KvCacheFullException(
                $"the request needs up to {blocks} KV blocks of {_pool.BlockSlots} slots for its prompt, output and {choices} choice(s); the pool has {_pool.MaxBlocks}");

        var emitters = new TokenEmitter[choices];
        var chains = new Sampling.SamplerChain?[choices];
        ulong seed = options.EffectiveSampling.Seed;
        for (int i = 0; i < choices; i++)
        {
            var choiceOptions = i == 0 ? options : options with { Seed = seed + (ulong)i };
            var selector = _model.CreateSelector(choiceOptions);
            if (options.Speculation is not null)
            {
                chains[i] = (selector as SamplerChainSelector)?.Chain;
                if (chains[i] is not { CanShape: true })
                    throw new ArgumentException("speculative decoding needs a sampler chain whose picker exposes its distribution", nameof(options));
            }
            emitters[i] = new TokenEmitter(selector, _logprobs, _model.Tokenizer, choiceOptions, prompt);
        }
        var request = new BatchRequest(prompt, options, cancellationToken) { Emitters = emitters, Chains = chains, Unfinished = choices };
        var stream = new GenerationStream(request.Output.Reader, choices, prompt.Length);
        if (options.MaxTokens == 0)
        {
            for (int i = 0; i < choices; i++)
            {
                var usage = new GenerationUsage(prompt.Length, 0, 0, TimeSpan.Zero, TimeSpan.Zero, TimeSpan.Zero);
                request.Output.Writer.TryWrite(new ChoiceChunk(i, emitters[i].Finish(FinishReason.Length, usage)));
            }
            request.Output.Writer.TryComplete();
            return stream;
        }
        // Requests that will find a free sequence at once do not count against the queue.
        if (Interlocked.Increment(ref _queued) > _options.MaxQueuedRequests + Math.Max(0, _options.MaxSequences - Volatile.Read(ref _activeCount)))
        {
            int queued = Interlocked.Decrement(ref _queued);
            throw new EngineBusyException(queued);
        }
        _incoming.Enqueue(request);
        _wake.Release();
        return stream;
    }

    /// <summary>Blocks a request may use at most: the lead's prompt and output, and each further choice's own output.</summary>
    private int ReservationBlocks(int promptLength, int maxTokens, int choices, int adoptedBlocks)
    {
        int total = (int)Math.Min((long)promptLength + maxTokens, ContextLength);
        int full = BlocksFor(total);
        // +1 each: a sequence's first write into a shared, partly filled block copies it.
        int lead = full - adoptedBlocks + 1;
        int sibling = full - promptLength / _pool.BlockSlots + 1;
        return lead + (choices - 1) * sibling;
    }

    private int BlocksFor(int slots) => (slots + _pool.BlockSlots - 1) / _pool.BlockSlots;

    private void Run()
    {
        while (true)
        {
            while (_incoming.TryDequeue(out var request)) _waiting.Add(request);
            if (_disposed)
            {
                AbortAll();
                return;
            }
            DropCancelledWaiting();
            Admit();
            if (_active.Count == 0)
            {
                PublishCacheCounts();
                _wake.Wait();
                continue;
            }
            Step();
        }
    }

    private void DropCancelledWaiting()
    {
        for (int i = _waiting.Count - 1; i >= 0; i--)
        {
            var request = _waiting[i];
            if (!request.CancellationToken.IsCancellationRequested) continue;
            _waiting.RemoveAt(i);
            Interlocked.Decrement(ref _queued);
            for (int c = 0; c < request.Emitters.Length; c++)
            {
                var usage = new GenerationUsage(request.Prompt.Count, 0, 0, TimeSpan.Zero, TimeSpan.Zero, TimeSpan.Zero);
                request.Output.Writer.TryWrite(new ChoiceChunk(c, request.Emitters[c].Finish(FinishReason.Cancelled, usage)));
            }
            request.Output.Writer.TryComplete();
        }
    }

    /// <summary>Blocks the running sequences may still allocate under their reservations.</summary>
    private int OutstandingBlocks()
    {
        int n = 0;
        foreach (var seq in _active) n += Math.Max(0, seq.ReservedBlocks - seq.Cache.BlockTable.Length);
        return n;
    }

    private void Admit()
    {
        while (_waiting.Count > 0)
        {
            var request = _waiting[0];
            int choices = request.Emitters.Length;
            if (_active.Count + choices > _options.MaxSequences) return;
            var prompt = (int[])request.Prompt;
            int cachedTokens = _prefixes?.Match(prompt, _matched) ?? 0;
            // At least the last prompt token is evaluated: its logits choose the first output token.
            int adoptTokens = Math.Min(cachedTokens, prompt.Length - 1);
            int adoptBlocks = BlocksFor(adoptTokens);
            _matched.RemoveRange(adoptBlocks, _matched.Count - adoptBlocks);
            int needed = ReservationBlocks(prompt.Length, request.Options.MaxTokens, choices, adoptBlocks);
            int matchedEvictable = 0;
            foreach (int block in _matched)
                if (_pool.ReferenceCount(block) == 1) matchedEvictable++;
            int available = _pool.FreeBlocks + (_prefixes?.EvictableBlocks ?? 0) - matchedEvictable - OutstandingBlocks();
            if (needed > available) return;

            _waiting.RemoveAt(0);
            Interlocked.Decrement(ref _queued);
            Interlocked.Increment(ref _requests);
            Interlocked.Add(ref _promptTokens, prompt.Length);
            Interlocked.Add(ref _prefixHitTokens, adoptTokens);
            long now = Stopwatch.GetTimestamp();
            int reservedEach = BlocksFor((int)Math.Min((long)prompt.Length + request.Options.MaxTokens, ContextLength)) + 1;
            BatchSequence? lead = null;
            for (int c = 0; c < choices; c++)
            {
                var seq = new BatchSequence(request, c, request.Emitters[c], _pool.CreateSequence(ContextLength))
                {
                    StartTimestamp = now, ReservedBlocks = reservedEach,
                };
                if (request.Options.Speculation is { } speculation) StartSpeculation(seq, speculation, c);
                if (lead is null)
                {
                    lead = seq;
                    seq.Cache.AdoptPrefix(CollectionsMarshal.AsSpan(_matched), adoptTokens);
                    seq.CachedPromptTokens = adoptTokens;
                    for (int i = 0; i < adoptTokens; i++) seq.Tokens.Add(prompt[i]);
                }
                else
                {
                    seq.AwaitingLead = true;
                    if (!_siblings.TryGetValue(lead, out var list)) _siblings[lead] = list = [];
                    list.Add(seq);
                }
                _active.Add(seq);
            }
            Volatile.Write(ref _activeCount, _active.Count);
        }
    }

    /// <summary>
    /// Gives a sequence its speculative state. Lookup and recycling drafters are shared by every sequence with the same
    /// options (the recycling matrix warms up across requests); a draft model's drafter holds a cache, so each sequence
    /// gets its own.
    /// </summary>
    private void StartSpeculation(BatchSequence seq, SpeculationOptions speculation, int choice)
    {
        IDrafter drafter;
        if (speculation.Method == SpeculationMethod.DraftModel)
        {
            drafter = Drafters.Create(speculation, _model.Model, ContextLength);
            seq.OwnDrafter = drafter;
        }
        else if (!_sharedDrafters.TryGetValue(speculation, out drafter!))
        {
            drafter = Drafters.Create(speculation, _model.Model, ContextLength);
            _sharedDrafters[speculation] = drafter;
        }
        ulong seed = seq.Request.Options.EffectiveSampling.Seed + (ulong)choice;
        seq.Round = new SpeculativeRound(drafter, speculation, seq.Request.Chains[choice]!, _model.Model, seq.Cache, seq.Tokens, seed);
    }

    private void Step()
    {
        _batch.Clear();
        _stepCaches.Clear();
        _stepOutputs.Clear();
        for (int i = _active.Count - 1; i >= 0; i--)
        {
            var seq = _active[i];
            if (seq.Request.CancellationToken.IsCancellationRequested)
                Retire(seq, seq.Emitter.Finish(FinishReason.Cancelled, seq.Usage()));
        }
        int stepBlocks = 0, rows = 0;
        // Speculative sequences draft first: a draft tree anywhere in the step needs the attention mask for all of it.
        bool masked = false;
        foreach (var seq in _active)
        {
            seq.StepRows = 0;
            if (!seq.Decoding || seq.Round is null) continue;
            try
            {
                seq.StepRows = seq.Round.Draft(seq.Pending, seq.Request.Options.MaxTokens - seq.Emitter.Generated - 1, seq.Request.CancellationToken);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // A drafter that fails (a draft model's own error) ends this request alone, after the loop.
                seq.StepRows = -1;
                _draftFailures.Add((seq, e));
                continue;
            }
            masked |= !seq.Round.Tree.IsChain;
        }
        foreach (var (seq, error) in _draftFailures) Fail(seq, error);
        _draftFailures.Clear();
        if (masked)
        {
            _mask ??= new AttentionMask(_batch.Capacity);
            _mask.Reset();
        }
        foreach (var seq in _active)
        {
            if (!seq.Decoding || seq.StepRows < 0) continue;
            int s = _stepCaches.Count;
            _stepCaches.Add(seq.Cache);
            if (seq.Round is null)
            {
                _batch.Add(seq.Pending, seq.Cache.Count, s, output: true);
                seq.Tokens.Add(seq.Pending);
                seq.StepRows = 1;
            }
            else seq.Round.AddToBatch(_batch, s, masked ? _mask : null);
            _stepOutputs.Add(seq);
            rows += seq.StepRows;
            stepBlocks += NewBlocks(seq.Cache, seq.StepRows);
        }
        // While sequences decode, prompts go in small chunks so each step (each stream's next token) stays short;
        // with nothing decoding there is no one to wait, and a prompt goes in large chunks.
        int budget = _batch.Count > 0
            ? Math.Max(_options.StepTokenBudget - _batch.Count, Math.Min(16, _options.StepTokenBudget))
            : Math.Max(_options.StepTokenBudget, BatchEngineOptions.IdleStepTokens);
        foreach (var seq in _active)
        {
            if (budget == 0) break;
            if (seq.Decoding || seq.AwaitingLead) continue;
            var prompt = (int[])seq.Request.Prompt;
            int start = seq.Tokens.Count;
            int take = Math.Min(prompt.Length - start, budget);
            int s = _stepCaches.Count;
            _stepCaches.Add(seq.Cache);
            bool completes = start + take == prompt.Length;
            int first = _batch.Count;
            for (int i = 0; i < take; i++)
            {
                _batch.Add(prompt[start + i], start + i, s, output: completes && i == take - 1);
                seq.Tokens.Add(prompt[start + i]);
            }
            if (masked) SpeculativeRound.AllowCausal(_mask!, first, _batch.Count);
            if (completes)
            {
                _stepOutputs.Add(seq);
                seq.StepRows = 1;
                rows++;
            }
            stepBlocks += NewBlocks(seq.Cache, take);
            budget -= take;
        }
        if (_batch.Count == 0) return;

        if (_pool.FreeBlocks < stepBlocks) _prefixes?.Evict(stepBlocks - _pool.FreeBlocks);
        if ((long)rows * _vocabulary > _logits.Length) _logits = new float[(long)rows * _vocabulary];
        if (masked) _batch.Mask = _mask;
        try
        {
            _model.Model.Forward(_batch, CollectionsMarshal.AsSpan(_stepCaches), _logits.AsSpan(0, rows * _vocabulary));
        }
        catch (Exception e)
        {
            // Nothing of this step can be trusted: every sequence in it (and its waiting siblings) fails with the error.
            foreach (var cache in _stepCaches)
                foreach (var seq in _active.ToArray())
                    if (ReferenceEquals(seq.Cache, cache)) Fail(seq, e);
            return;
        }
        Interlocked.Increment(ref _steps);

        int row = 0;
        foreach (var seq in _stepOutputs)
        {
            var logits = new ReadOnlySpan<float>(_logits, row * _vocabulary, seq.StepRows * _vocabulary);
            row += seq.StepRows;
            if (!_active.Contains(seq)) continue; // failed with a sibling earlier in this loop
            if (seq.Decoding && seq.Round is not null)
            {
                EmitRound(seq, logits);
                continue;
            }
            logits = logits[.._vocabulary];
            if (!seq.Decoding)
            {
                seq.Decoding = true;
                seq.PrefillTime = Stopwatch.GetElapsedTime(seq.StartTimestamp);
                _prefixes?.Insert(CollectionsMarshal.AsSpan(seq.Tokens), seq.Cache.BlockTable);
                if (_siblings.Remove(seq, out var siblings))
                {
                    foreach (var sibling in siblings)
                    {
                        seq.Cache.CopyTo(sibling.Cache);
                        sibling.Tokens.AddRange(seq.Tokens);
                        sibling.CachedPromptTokens = seq.CachedPromptTokens;
                        sibling.Decoding = true;
                        sibling.AwaitingLead = false;
                        sibling.PrefillTime = seq.PrefillTime;
                        Emit(sibling, logits);
                    }
                }
            }
            Emit(seq, logits);
        }
        // Counting the evictable blocks walks the cache: every 32 steps while busy, and whenever the engine goes idle.
        if ((_steps & 31) == 0) PublishCacheCounts();
    }

    private void PublishCacheCounts()
    {
        Volatile.Write(ref _cachedBlocks, _prefixes?.CachedBlocks ?? 0);
        Volatile.Write(ref _idleCachedBlocks, _prefixes?.EvictableBlocks ?? 0);
    }

    /// <summary>Blocks appending <paramref name="count"/> slots allocates (a shared partial last block is copied).</summary>
    private int NewBlocks(PagedKvCache cache, int count)
    {
        int n = BlocksFor(cache.Count + count) - cache.BlockTable.Length;
        if (cache.Count % _pool.BlockSlots != 0 && _pool.ReferenceCount(cache.BlockTable[cache.Count / _pool.BlockSlots]) > 1) n++;
        return n;
    }

    private void Emit(BatchSequence seq, ReadOnlySpan<float> logits)
    {
        GenerationChunk chunk;
        try
        {
            chunk = seq.Emitter.Step(logits, contextFull: seq.Cache.Count >= ContextLength);
        }
        catch (Exception e)
        {
            // A sampler that cannot choose (a constraint that allows nothing the model can still write, say) ends this
            // request with its error; the loop and every other sequence go on.
            Fail(seq, e);
            return;
        }
        Interlocked.Increment(ref _generatedTokens);
        if (chunk.FinishReason is not null)
        {
            Retire(seq, TokenEmitter.WithUsage(chunk, seq.Usage()));
            return;
        }
        seq.Request.Output.Writer.TryWrite(new ChoiceChunk(seq.Index, chunk));
        seq.Pending = chunk.TokenId;
    }

    /// <summary>Verifies a speculative sequence's round and delivers the tokens it chose.</summary>
    private void EmitRound(BatchSequence seq, ReadOnlySpan<float> rows)
    {
        GenerationChunk last;
        try
        {
            last = seq.Round!.Verify(rows, seq.Emitter, _roundChunks);
        }
        catch (Exception e)
        {
            Fail(seq, e);
            return;
        }
        Interlocked.Add(ref _generatedTokens, _roundChunks.Count);
        for (int i = 0; i < _roundChunks.Count - 1; i++) seq.Request.Output.Writer.TryWrite(new ChoiceChunk(seq.Index, _roundChunks[i]));
        if (last.FinishReason is not null)
        {
            Retire(seq, TokenEmitter.WithUsage(last, seq.Usage()));
            return;
        }
        seq.Request.Output.Writer.TryWrite(new ChoiceChunk(seq.Index, last));
        seq.Pending = last.TokenId;
    }

    /// <summary>Delivers a sequence's closing chunk, leaves its blocks to the prefix cache and frees the rest.</summary>
    private void Retire(BatchSequence seq, GenerationChunk closing)
    {
        seq.Request.Output.Writer.TryWrite(new ChoiceChunk(seq.Index, closing));
        if (seq.Decoding) _prefixes?.Insert(CollectionsMarshal.AsSpan(seq.Tokens), seq.Cache.BlockTable);
        Remove(seq);
        if (--seq.Request.Unfinished == 0) seq.Request.Output.Writer.TryComplete();
    }

    /// <summary>Ends a sequence's whole request (every choice) with <paramref name="error"/>.</summary>
    private void Fail(BatchSequence seq, Exception error)
    {
        for (int i = _active.Count - 1; i >= 0; i--)
            if (i < _active.Count && ReferenceEquals(_active[i].Request, seq.Request)) Remove(_active[i]);
        seq.Request.Output.Writer.TryComplete(error);
    }

    private void Remove(BatchSequence seq)
    {
        if (!_active.Remove(seq)) return;
        seq.Cache.Dispose();
        seq.OwnDrafter?.Dispose();
        Volatile.Write(ref _activeCount, _active.Count);
        // A lead that leaves before its prompt finished (cancelled) takes its waiting siblings with it.
        if (_siblings.Remove(seq, out var siblings))
        {
            foreach (var sibling in siblings)
            {
                sibling.Request.Output.Writer.TryWrite(new ChoiceChunk(sibling.Index, sibling.Emitter.Finish(FinishReason.Cancelled, sibling.Usage())));
                _active.Remove(sibling);
                sibling.Cache.Dispose();
                sibling.OwnDrafter?.Dispose();
                --sibling.Request.Unfinished;
            }
            Volatile.Write(ref _activeCount, _active.Count);
        }
    }

    private void AbortAll()
    {
        var error = new ObjectDisposedException(nameof(BatchEngine), "the engine was shut down");
        foreach (var seq in _active.ToArray()) Fail(seq, error);
        foreach (var request in _waiting) request.Output.Writer.TryComplete(error);
        _waiting.Clear();
        while (_incoming.TryDequeue(out var request)) request.Output.Writer.TryComplete(error);
        _prefixes?.Clear();
        foreach (var drafter in _sharedDrafters.Values) drafter.Dispose();
        _sharedDrafters.Clear();
    }

    /// <summary>
    /// Stops the engine: requests still running or waiting end with an <see cref="ObjectDisposedException"/> (a host
    /// drains its streams first by waiting for its in-flight requests before disposing the engine).
    /// </summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _wake.Release();
        _thread.Join();
        _wake.Dispose();
    }
}
