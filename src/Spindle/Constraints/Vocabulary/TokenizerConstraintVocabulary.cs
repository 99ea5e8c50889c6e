using Spindle.Tokenization;

namespace Spindle.Constraints.Vocabulary;

/// <summary>Adapts a <see cref="Tokenizer"/>: token bytes are its pieces; control, unknown and unused tokens are special.</summary>
public sealed class TokenizerConstraintVocabulary : IConstraintVocabulary
{
    private readonly byte[][] _bytes;
    private readonly bool[] _special;
    private readonly int[] _eog;

    public TokenizerConstraintVocabulary(Tokenizer tokenizer)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        var vocab = tokenizer.Vocabulary;
        int count = vocab.Count;
        _bytes = new byte[count][];
        _special = new bool[count];
        const TokenAttributes specialAttributes = TokenAttributes.Control | TokenAttributes.Unknown | TokenAttributes.Unused;
        for (int id = 0; id < count; id++)
        {
            _special[id] = (vocab.Attributes[id] & specialAttributes) != 0;
            _bytes[id] = _special[id] ? [] : tokenizer.TokenToPiece(id, special: true).ToArray();
        }
        var eog = new SortedSet<int>(vocab.EndOfGenerationIds);
        if (vocab.EosId >= 0) eog.Add(vocab.EosId);
        _eog = [.. eog];
        foreach (int id in _eog) _special[id] = true;
        EosId = vocab.EosId;
    }

    public int TokenCount => _bytes.Length;

    public ReadOnlySpan<byte> TokenBytes(int tokenId) => _bytes[tokenId];

    public bool IsSpecial(int tokenId) => _special[tokenId];

    public int EosId { get; }

    public ReadOnlySpan<int> EndOfGenerationIds => _eog;
}
