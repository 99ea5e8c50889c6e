using Microsoft.Extensions.Logging;
using Spindle.Generation;
using Spindle.Serving;

namespace Spindle.Server.Models;

/// <summary>
/// The models a server offers, by alias (the file name without extension): loaded on first use, and unloaded least
/// recently used first when loading another would exceed <see cref="SpindleServerOptions.MemoryBudget"/> (only models no
/// request holds). Thread-safe.
/// </summary>
public sealed class ModelRegistry : IDisposable
{
    private readonly SpindleServerOptions _options;
    private readonly ILogger _logger;
    private readonly Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly List<string> _order = [];
    private readonly SemaphoreSlim _loadGate = new(1, 1);
    private readonly object _lock = new();
    private bool _disposed;

    public ModelRegistry(SpindleServerOptions options, ILogger<ModelRegistry> logger)
    {
        options.Validate();
        _options = options;
        _logger = logger;
        foreach (string path in options.Models) Add(path);
        if (options.ModelsDirectory is { } dir)
        {
            if (!Directory.Exists(dir)) throw new DirectoryNotFoundException($"models folder '{dir}' does not exist");
            foreach (string path in Directory.EnumerateFiles(dir, "*.gguf").Order(StringComparer.Ordinal)) Add(path);
        }
        if (_entries.Count == 0) throw new ArgumentException($"no model to serve: '{options.ModelsDirectory}' holds no .gguf file");
    }

    private void Add(string path)
    {
        string full = Path.GetFullPath(path);
        if (!File.Exists(full) && !Directory.Exists(full)) throw new FileNotFoundException($"model '{path}' does not exist", path);
        string alias = Path.GetFileNameWithoutExtension(full.TrimEnd(Path.DirectorySeparatorChar));
        if (_entries.ContainsKey(alias)) return;
        _entries[alias] = new Entry(alias, full);
        _order.Add(alias);
    }

    /// <summary>Aliases in the order given (the first is the default for requests that name none).</summary>
    public IReadOnlyList<string> Aliases => _order;

    public string DefaultAlias => _order[0];

    /// <summary>The loaded models right now.</summary>
    public IReadOnlyList<ServedModel> Loaded
    {
        get
        {
            lock (_lock) return [.. _entries.Values.Where(e => e.Model is not null).Select(e => e.Model!)];
        }
    }

    public bool IsLoaded(string alias)
    {
        lock (_lock) return _entries.TryGetValue(alias, out var e) && e.Model is not null;
    }

    /// <summary>
    /// A lease on the model <paramref name="alias"/> names (null or empty: the default), loading it first if needed.
    /// Throws <see cref="OpenAIException"/> 404 for an unknown alias.
    /// </summary>
    public async ValueTask<ModelLease> AcquireAsync(string? alias, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        alias = string.IsNullOrEmpty(alias) ? DefaultAlias : alias;
        if (!_entries.TryGetValue(alias, out var entry))
            throw new OpenAIException(404, $"the model '{alias}' does not exist; GET /v1/models lists the models served here",
                "invalid_request_error", "model", "model_not_found");
        lock (_lock)
        {
            if (entry.Model is not null) return Lease(entry);
        }
        await _loadGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            lock (_lock)
            {
                if (entry.Model is not null) return Lease(entry);
            }
            long fileBytes = SizeOf(entry.Path);
            MakeRoom(fileBytes);
            var served = await Task.Run(() => Load(entry, fileBytes), cancellationToken).ConfigureAwait(false);
            lock (_lock)
            {
                entry.Model = served;
                var lease = Lease(entry);
                MakeRoomLocked(0);
                return lease;
            }
        }
        finally
        {
            _loadGate.Release();
        }
    }

    private ServedModel Load(Entry entry, long fileBytes)
    {
        var started = System.Diagnostics.Stopwatch.StartNew();
        var model = SpindleModel.Load(entry.Path, new SpindleModelOptions
        {
            ThreadCount = _options.Threads, ContextLength = _options.ContextLength, CacheType = _options.CacheFormat,
            ChatTemplate = _options.ChatTemplate,
        });
        try
        {
            int context = _options.ContextLength ?? Math.Min(model.Model.Config.ContextLength, 4096);
            var engine = new BatchEngine(model, new BatchEngineOptions
            {
                MaxSequences = _options.Parallel, ContextLength = context, KvSlots = _options.KvSlots,
                CacheFormat = _options.CacheFormat, StepTokenBudget = _options.StepTokenBudget,
                MaxQueuedRequests = _options.MaxQueuedRequests,
            });
            var (speculation, draft) = LoadSpeculation(model);
            var served = new ServedModel(entry.Alias, model, engine, fileBytes + (draft?.File.Length ?? 0), speculation, draft);
            _logger.LogInformation("loaded {Alias} from {Path} in {Seconds:F1} s ({Megabytes} MiB with its KV pool, context {Context})",
                entry.Alias, entry.Path, started.Elapsed.TotalSeconds, served.Bytes >> 20, context);
            return served;
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The served model's speculation: the configured method, with the draft model loaded on the model's worker pool
    /// when its vocabulary matches (a model it does not fit is served without speculation, and the log says so).
    /// </summary>
    private (Decoding.Speculative.SpeculationOptions?, Spindle.Models.Model?) LoadSpeculation(SpindleModel model)
    {
        var speculation = _options.Speculation;
        if (speculation is null) return (null, null);
        if (speculation.Method != Decoding.Speculative.SpeculationMethod.DraftModel) return (speculation, null);
        if (_options.DraftModelPath is not { } path) throw new InvalidOperationException("draft-model speculation needs DraftModelPath");
        var draft = Spindle.Models.Model.Load(path, new Spindle.Models.ModelOptions { WorkerPool = model.Model.WorkerPool });
        if (draft.Config.VocabSize != model.Model.Config.VocabSize)
        {
            _logger.LogWarning("draft model {Path} has {Draft} tokens, the model {Target}: serving it without speculation",
                path, draft.Config.VocabSize, model.Model.Config.VocabSize);
            draft.Dispose();
            return (null, null);
        }
        return (speculation with { DraftModel = draft }, draft);
    }

    private ModelLease Lease(Entry entry)
    {
        entry.Leases++;
        entry.LastUsed = DateTime.UtcNow.Ticks;
        return new ModelLease(entry.Model!, () =>
        {
            lock (_lock)
            {
                entry.Leases--;
                entry.LastUsed = DateTime.UtcNow.Ticks;
            }
        });
    }

    private void MakeRoom(long incoming)
    {
        lock (_lock) MakeRoomLocked(incoming);
    }

    /// <summary>Unloads idle models, least recently used first, until the loaded ones plus <paramref name="incoming"/> fit the budget.</summary>
    private void MakeRoomLocked(long incoming)
    {
        if (_options.MemoryBudget is not { } budget) return;
        while (true)
        {
            long used = incoming;
            Entry? victim = null;
            foreach (var e in _entries.Values)
            {
                if (e.Model is null) continue;
                used += e.Model.Bytes;
                if (e.Leases == 0 && (victim is null || e.LastUsed < victim.LastUsed)) victim = e;
            }
            if (used <= budget || victim is null) return;
            _logger.LogInformation("unloading {Alias} to stay within the memory budget of {Megabytes} MiB", victim.Alias, budget >> 20);
            victim.Model!.Dispose();
            victim.Model = null;
        }
    }

    private static long SizeOf(string path) =>
        File.Exists(path) ? new FileInfo(path).Length
            : new DirectoryInfo(path).EnumerateFiles("*", SearchOption.AllDirectories).Sum(f => f.Length);

    public void Dispose()
    {
        lock (_lock)
        {
            if (_disposed) return;
            _disposed = true;
            foreach (var e in _entries.Values)
            {
                e.Model?.Dispose();
                e.Model = null;
            }
        }
    }

    private sealed class Entry(string alias, string path)
    {
        public string Alias { get; } = alias;
        public string Path { get; } = path;
        public ServedModel? Model { get; set; }
        public int Leases { get; set; }
        public long LastUsed { get; set; }
    }
}
