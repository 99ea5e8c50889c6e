using Spindle.Constraints.Vocabulary;

namespace Spindle.Tests.Constraints.Grammar;

/// <summary>A vocabulary of the 256 single bytes plus a special EOS (id 256): token = byte, for parser-level tests.</summary>
internal sealed class ByteVocabulary : IConstraintVocabulary
{
    public const int Eos = 256;
    private static readonly byte[][] Bytes = CreateBytes();
    private static readonly int[] EogIds = [Eos];

    public static readonly ByteVocabulary Instance = new();
    public static readonly TokenTrie Trie = new(Instance);

    private static byte[][] CreateBytes()
    {
        var bytes = new byte[257][];
        for (int i = 0; i < 256; i++) bytes[i] = [(byte)i];
        bytes[256] = [];
        return bytes;
    }

    public int TokenCount => 257;
    public ReadOnlySpan<byte> TokenBytes(int tokenId) => Bytes[tokenId];
    public bool IsSpecial(int tokenId) => tokenId == Eos;
    public int EosId => Eos;
    public ReadOnlySpan<int> EndOfGenerationIds => EogIds;
}
