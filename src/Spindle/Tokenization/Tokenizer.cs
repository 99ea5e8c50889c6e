using System.Buffers;
using System.Text;
using Spindle.Gguf;

namespace Spindle.Tokenization;

/// <summary>
/// Text ↔ token ids for one vocabulary, matching llama.cpp id for id. Subclasses implement one tokenizer model
/// (SentencePiece-style BPE, byte-level BPE, WordPiece); this base splits out special tokens and decodes.
/// Instances are immutable and safe to share between threads.
/// </summary>
public abstract class Tokenizer
{
    private readonly SpecialTokenPartitioner _partitioner;
    private byte[][]? _pieces;

    protected Tokenizer(Vocabulary vocabulary)
    {
        Vocabulary = vocabulary;
        _partitioner = new SpecialTokenPartitioner(vocabulary);
    }

    public Vocabulary Vocabulary { get; }

    /// <summary>
    /// Encodes <paramref name="text"/>. <paramref name="addSpecial"/> adds BOS/EOS (or CLS/SEP) as the vocabulary's
    /// metadata asks; <paramref name="parseSpecial"/> turns the text of control tokens (e.g. "&lt;s&gt;") into those tokens.
    /// </summary>
    public int[] Encode(string text, bool addSpecial = false, bool parseSpecial = false)
    {
        var output = new List<int>(text.Length / 3 + 4);
        Encode(text, output, addSpecial, parseSpecial);
        return output.ToArray();
    }

    public void Encode(string text, List<int> output, bool addSpecial, bool parseSpecial)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (addSpecial) AddLeadingSpecial(output);
        EncodeFragments(text, _partitioner.Partition(text, parseSpecial), output, ChunkStart.TextStart);
        if (addSpecial) AddTrailingSpecial(output);
    }

    /// <summary>
    /// Encodes <paramref name="text"/> as the continuation of earlier text, the way a model's generated output follows its
    /// prompt: no BOS/EOS, and none of a text start's treatment (SentencePiece's space prefix, a tokenizer.json Prepend
    /// normalizer), so a generated " there" encodes to the one token "▁there" the model wrote, not "▁" + "▁there".
    /// Watermark detectors read text through this. <paramref name="parseSpecial"/> as in <see cref="Encode(string, bool, bool)"/>.
    /// </summary>
    public int[] EncodeContinuation(string text, bool parseSpecial = false)
    {
        ArgumentNullException.ThrowIfNull(text);
        var output = new List<int>(text.Length / 3 + 4);
        EncodeChunk(text, output, parseSpecial, ChunkStart.InsideText);
        return output.ToArray();
    }

    /// <summary>
    /// Encodes partitioned text: raw fragments through the model, token fragments as they are. <paramref name="start"/>
    /// says where <paramref name="text"/> begins in the whole text (see <see cref="StreamingEncoder"/>): inside a text
    /// fragment of an earlier chunk, its first text fragment gets none of the treatment of a fragment start
    /// (SentencePiece's space prefix, a tokenizer.json Prepend normalizer).
    /// </summary>
    private protected abstract void EncodeFragments(string text, List<TextFragment> fragments, List<int> output, ChunkStart start);

    /// <summary>What <c>addSpecial</c> puts before the text (BOS, CLS, a post-processor's prefix).</summary>
    private protected abstract void AddLeadingSpecial(List<int> output);

    /// <summary>What <c>addSpecial</c> puts after the text (EOS, SEP, a post-processor's suffix).</summary>
    private protected abstract void AddTrailingSpecial(List<int> output);

    /// <summary>One chunk of a streamed text (see <see cref="StreamingEncoder"/>); returns where the next chunk starts.</summary>
    internal ChunkStart EncodeChunk(string chunk, List<int> output, bool parseSpecial, ChunkStart start)
    {
        var fragments = _partitioner.Partition(chunk, parseSpecial);
        EncodeFragments(chunk, fragments, output, start);
        if (fragments.Count == 0) return start;
        return fragments[^1].IsToken ? ChunkStart.AfterToken : ChunkStart.InsideText;
    }

    internal void EncodeLeadingSpecial(List<int> output) => AddLeadingSpecial(output);

    internal void EncodeTrailingSpecial(List<int> output) => AddTrailingSpecial(output);

    /// <summary>Where cutting a text is safe for the special-token split (see <see cref="SpecialTokenCutGuard"/>).</summary>
    internal SpecialTokenCutGuard CutGuard(bool parseSpecial) =>
        parseSpecial ? _cutGuardParse ??= new SpecialTokenCutGuard(Vocabulary, parseSpecial: true)
            : _cutGuardPlain ??= new SpecialTokenCutGuard(Vocabulary, parseSpecial: false);

    private SpecialTokenCutGuard? _cutGuardParse, _cutGuardPlain;

    /// <summary>
    /// Whether encoding <c>text[..index]</c> and then <c>text[index..]</c> as its continuation gives the ids of the
    /// whole text, as far as this tokenizer model is concerned (special tokens are the caller's: <see cref="CutGuard"/>).
    /// Reads at most <see cref="CutLookahead"/> chars from <paramref name="index"/> on; 0 &lt; index &lt; text.Length.
    /// False (never cut) unless a model proves otherwise.
    /// </summary>
    internal bool IsModelCut(ReadOnlySpan<char> text, int index) => IsSafeCut(text, index);

    internal int ModelCutLookahead => CutLookahead;

    private protected virtual bool IsSafeCut(ReadOnlySpan<char> text, int index) => false;

    /// <summary>How many chars from the cut on <see cref="IsSafeCut"/> reads (at least 1).</summary>
    private protected virtual int CutLookahead => 1;

    /// <summary>
    /// The ids of the text <paramref name="reader"/> holds, read in chunks as they are enumerated, with memory independent
    /// of its length; the same ids as <see cref="Encode(string, bool, bool)"/> of the whole text unless the text runs
    /// long without a place to cut it (see <see cref="StreamingEncoder"/>, <see cref="ForcedCutPolicy"/>).
    /// </summary>
    public IEnumerable<int> EncodeStream(TextReader reader, StreamingEncodeOptions? options = null) =>
        new StreamingEncoder(this, options).Encode(reader);

    /// <summary>As <see cref="EncodeStream(TextReader, StreamingEncodeOptions?)"/> for UTF-8 bytes (a BOM is skipped).</summary>
    public IEnumerable<int> EncodeStream(Stream utf8, StreamingEncodeOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(utf8);
        return EncodeUtf8(utf8, options);
    }

    private IEnumerable<int> EncodeUtf8(Stream utf8, StreamingEncodeOptions? options)
    {
        using var reader = new StreamReader(utf8, Encoding.UTF8, detectEncodingFromByteOrderMarks: false, leaveOpen: true);
        foreach (int id in EncodeStream(reader, options)) yield return id;
    }

    /// <summary>The bytes a token stands for when decoded (llama.cpp's token_to_piece with special = true).</summary>
    protected abstract byte[] ComputePiece(int id);

    /// <summary>The bytes token <paramref name="id"/> decodes to; control and unknown tokens give nothing unless <paramref name="special"/>.</summary>
    public ReadOnlySpan<byte> TokenToPiece(int id, bool special = false)
    {
        if (!Vocabulary.IsValid(id)) throw new ArgumentOutOfRangeException(nameof(id), id, $"token id must be in [0, {Vocabulary.Count})");
        if (!special && (Vocabulary.Attributes[id] & (TokenAttributes.Control | TokenAttributes.Unknown)) != 0) return default;
        var pieces = _pieces ??= BuildPieces();
        return pieces[id];
    }

    /// <summary>
    /// Turns ids back into text as llama.cpp's detokenize does: the pieces' bytes concatenated and read as UTF-8 (invalid
    /// bytes become U+FFFD). <paramref name="removeSpecial"/> drops a leading BOS and a trailing EOS when the vocabulary adds
    /// them; <paramref name="unparseSpecial"/> renders control tokens as their text. With add_space_prefix the space the
    /// encoder prefixed is removed from the first piece (not when a BOS was removed: llama.cpp keeps it then).
    /// </summary>
    public string Decode(ReadOnlySpan<int> ids, bool removeSpecial = false, bool unparseSpecial = false)
    {
        var vocab = Vocabulary;
        bool removeSpace = vocab.AddSpacePrefix;
        if (removeSpecial && vocab.AddBos && ids.Length > 0 && ids[0] == vocab.BosId)
        {
            removeSpace = false;
            ids = ids[1..];
        }
        if (removeSpecial && vocab.AddEos && ids.Length > 0 && ids[^1] == vocab.EosId) ids = ids[..^1];

        int byteCount = 0;
        foreach (int id in ids) byteCount += TokenToPiece(id, unparseSpecial).Length;
        byte[] rented = ArrayPool<byte>.Shared.Rent(Math.Max(1, byteCount));
        try
        {
            int written = 0;
            foreach (int id in ids)
            {
                ReadOnlySpan<byte> piece = TokenToPiece(id, unparseSpecial);
                if (removeSpace && piece.Length > 0 && piece[0] == (byte)' ') piece = piece[1..];
                removeSpace = false;
                piece.CopyTo(rented.AsSpan(written));
                written += piece.Length;
            }
            if (CleanSpaces) written = DecodedSpaceCleaner.Clean(rented.AsSpan(0, written));
            return Encoding.UTF8.GetString(rented, 0, written);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>
    /// Whether <see cref="Decode"/> tidies spaces before punctuation and contractions (llama.cpp's clean_spaces, set per
    /// pre-tokenizer). Off for SentencePiece vocabularies.
    /// </summary>
    protected virtual bool CleanSpaces => false;

    /// <summary>The longest piece of any token, in bytes (for sizing buffers of streaming decoders).</summary>
    public int MaxPieceByteLength => _maxPieceByteLength >= 0 ? _maxPieceByteLength : (_maxPieceByteLength = ComputeMaxPieceByteLength());

    private int _maxPieceByteLength = -1;

    private int ComputeMaxPieceByteLength()
    {
        var pieces = _pieces ??= BuildPieces();
        int max = 0;
        foreach (var piece in pieces) max = Math.Max(max, piece.Length);
        return max;
    }

    private byte[][] BuildPieces()
    {
        var pieces = new byte[Vocabulary.Count][];
        for (int i = 0; i < pieces.Length; i++) pieces[i] = ComputePiece(i);
        return pieces;
    }

    /// <summary>Creates the file's tokenizer (see <see cref="FromGguf(GgufMetadata)"/>).</summary>
    public static Tokenizer FromGguf(GgufFile file) => FromGguf(file.Metadata);

    /// <summary>
    /// The tokenizer a GGUF file describes: its stored tokenizer.json (<see cref="GgufKeys.HuggingFaceJson"/>) when it has
    /// one, since that reproduces the model's tokenizer exactly; else the tokenizer.ggml.model table. A stored
    /// tokenizer.json that uses a component Spindle does not implement falls back to the table when there is one.
    /// </summary>
    public static Tokenizer FromGguf(GgufMetadata metadata)
    {
        if (metadata.ContainsKey(GgufKeys.HuggingFaceJson))
        {
            try
            {
                return HuggingFace.HfTokenizer.FromGguf(metadata);
            }
            catch (NotSupportedException) when (metadata.ContainsKey(GgufKeys.TokenizerModel))
            {
                // The table still tokenizes, as llama.cpp would.
            }
        }
        return FromVocabulary(Vocabulary.FromGguf(metadata));
    }

    public static Tokenizer FromVocabulary(Vocabulary vocabulary) => TokenizerFactory.Create(vocabulary);

    /// <summary>
    /// A tokenizer kept apart from the model: a Hugging Face tokenizer.json (or a folder holding one, with its
    /// tokenizer_config.json) or another GGUF file's vocabulary. With <paramref name="modelVocabularySize"/> (the model's
    /// embedding rows), ids the tokenizer does not name become unused padding, and a tokenizer with more ids than the model
    /// is refused (<see cref="FormatException"/>): the model could not embed them.
    /// </summary>
    public static Tokenizer FromFile(string path, int? modelVocabularySize = null)
    {
        Tokenizer tokenizer;
        if (File.Exists(path) && path.EndsWith(".gguf", StringComparison.OrdinalIgnoreCase))
        {
            using var file = GgufFile.Open(path);
            tokenizer = FromGguf(file);
        }
        else
        {
            tokenizer = HuggingFace.HfTokenizer.Load(path, new HuggingFace.HfTokenizerOverrides { MinimumTokenCount = modelVocabularySize ?? 0 });
        }
        if (modelVocabularySize is { } n && tokenizer.Vocabulary.Count > n)
            throw new FormatException($"{path}: the tokenizer has {tokenizer.Vocabulary.Count} token ids but the model has {n}");
        return tokenizer;
    }
}
