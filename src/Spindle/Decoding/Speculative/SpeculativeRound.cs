using Spindle.Caching;
using Spindle.Generation;
using Spindle.Models;
using Spindle.Sampling;

namespace Spindle.Decoding.Speculative;

/// <summary>
/// One sequence's speculative rounds, for the single-sequence loop and the batch engine alike. A round: the drafter
/// proposes a chain or tree after the root (the last chosen token, not yet evaluated); <see cref="AddToBatch"/> puts
/// the root and every node in the target's forward pass (a tree through the mask, each node at its depth's position);
/// <see cref="Verify"/> walks down from the root choosing each position's token from the target's own distribution with
/// the rejection rule, emits every chosen token through the sequence's <see cref="TokenEmitter"/>, and leaves the cache
/// holding the root and the accepted path in consecutive slots.
/// </summary>
internal sealed class SpeculativeRound
{
    private const ulong VerifierSalt = 0x5350454356455249UL;
    private const ulong DraftSalt = 0x5350454344524146UL;

    private readonly IDrafter _drafter;
    private readonly SamplerChain _chain;
    private readonly SpeculativeVerifier _verifier;
    private readonly DraftContext _context;
    private readonly int _maxNodes;
    private int[] _path;
    private int _root = -1, _start;

    /// <param name="tokens">The sequence's evaluated tokens (prompt first); rounds append the root and accepted tokens.</param>
    public SpeculativeRound(IDrafter drafter, SpeculationOptions options, SamplerChain chain, Model target, KvCache cache,
        List<int> tokens, ulong seed)
    {
        if (!chain.CanShape) throw new ArgumentException("speculative decoding needs a sampler chain whose picker exposes its distribution");
        _drafter = drafter;
        _chain = chain;
        _maxNodes = options.DraftMax;
        _verifier = new SpeculativeVerifier(target.Config.VocabSize, new SamplerRng(seed ^ VerifierSalt), options.BrokenResidualForTests);
        _context = new DraftContext(target, cache, chain, new SamplerRng(seed ^ DraftSalt), tokens);
        _path = new int[options.DraftMax + 1];
    }

    public DraftTree Tree { get; } = new();

    public long Rounds { get; private set; }

    public long Drafted { get; private set; }

    public long Accepted { get; private set; }

    public long DraftForwards => (_drafter as DraftModelDrafter)?.ForwardPasses ?? 0;

    public SpeculationStats Stats(long generated) => new(Rounds, Drafted, Accepted, DraftForwards, generated);

    /// <summary>Chooses a token where nothing was drafted (the first, from the prompt's logits) by the same rule.</summary>
    public int Choose(ReadOnlySpan<float> logits)
    {
        Tree.Clear();
        int token = _verifier.Decide(_chain.Shape(logits), Tree, -1, out _);
        _chain.Commit(token);
        return token;
    }

    /// <summary>
    /// Drafts after <paramref name="root"/> (at most <paramref name="limit"/> nodes, and never more than fit the cache) and
    /// returns how many rows the round's pass needs (1 + nodes).
    /// </summary>
    public int Draft(int root, int limit, CancellationToken cancellationToken)
    {
        var cache = _context.TargetCache;
        _root = root;
        _start = cache.Count;
        _context.Tokens.Add(root);
        _context.CancellationToken = cancellationToken;
        limit = Math.Min(limit, Math.Min(_maxNodes, cache.Capacity - _start - 1));
        Tree.Clear();
        if (limit > 0) _drafter.Draft(_context, Tree, limit);
        if (cache.Count != _start) throw new InvalidOperationException("the drafter left the target's cache changed");
        return Tree.Count + 1;
    }

    /// <summary>
    /// Adds the root and the draft to <paramref name="batch"/> as sequence <paramref name="sequence"/>, all with outputs.
    /// A tree needs <paramref name="mask"/> (returned true when it was used); a chain is causal and leaves it alone.
    /// </summary>
    public bool AddToBatch(ForwardBatch batch, int sequence, AttentionMask? mask)
    {
        int first = batch.Count;
        batch.Add(_root, _start, sequence, output: true);
        var tree = Tree;
        for (int i = 0; i < tree.Count; i++) batch.Add(tree.Tokens[i], _start + tree.Depth(i), sequence, output: true);
        if (tree.IsChain || mask is null)
        {
            if (!tree.IsChain) throw new ArgumentException("a draft tree needs an attention mask", nameof(mask));
            if (mask is not null) AllowCausal(mask, first, batch.Count);
            return false;
        }
        for (int i = 0; i < tree.Count; i++)
        {
            mask.Allow(first + 1 + i, first);
            for (int a = tree.Parent(i); a >= 0; a = tree.Parent(a)) mask.Allow(first + 1 + i, first + 1 + a);
        }
        return true;
    }

    /// <summary>Lets each batch token in [first, end) see every earlier one of the range (causal order).</summary>
    public static void AllowCausal(AttentionMask mask, int first, int end)
    {
        for (int t = first + 1; t < end; t++) mask.AllowRange(t, first, t);
    }

    /// <summary>
    /// After the target's pass: <paramref name="rows"/> holds this round's logits (root first, then each node). Chooses
    /// and emits the tokens into <paramref name="chunks"/> (cleared): accepted drafts, then one corrected or bonus token,
    /// or fewer when the emitter finishes the sequence. Returns the chunk that ends the round (its token is the next root
    /// unless it finishes). The cache keeps the root and the accepted path.
    /// </summary>
    public GenerationChunk Verify(ReadOnlySpan<float> rows, TokenEmitter emitter, List<GenerationChunk> chunks)
    {
        int vocabulary = _verifier.VocabularySize;
        var cache = _context.TargetCache;
        var tree = Tree;
        _drafter.Observe(_context, tree, rows[..((tree.Count + 1) * vocabulary)], vocabulary);
        Rounds++;
        Drafted += tree.Count;
        chunks.Clear();
        int parent = -1, depth = 0;
        GenerationChunk chunk;
        while (true)
        {
            var row = rows.Slice((parent + 1) * vocabulary, vocabulary);
            int token = _verifier.Decide(_chain.Shape(row), tree, parent, out int node);
            _chain.Commit(token);
            chunk = emitter.Emit(row, token, contextFull: _start + 1 + depth >= cache.Capacity);
            if (node >= 0) Accepted++;
            if (node < 0 || chunk.FinishReason is not null) break;
            chunks.Add(chunk);
            _path[depth++] = node;
            _context.Tokens.Add(token);
            parent = node;
        }
        chunks.Add(chunk);
        for (int j = 0; j < depth; j++)
        {
            int slot = _start + 1 + _path[j];
            if (slot != _start + 1 + j) cache.CopySlot(slot, _start + 1 + j);
        }
        cache.Truncate(_start + 1 + depth);
        return chunk;
    }
}
