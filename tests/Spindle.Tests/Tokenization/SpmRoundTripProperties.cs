using FsCheck;
using FsCheck.Fluent;
using Spindle.Tokenization;

namespace Spindle.Tests.Tokenization;

/// <summary>decode(encode(s)) == s for random Unicode text, on vocabularies with byte fallback.</summary>
public class SpmRoundTripProperties
{
    // '▁' (U+2581) is left out: the encoder cannot tell it from an escaped space, so it decodes as ' ' (as in llama.cpp).
    // Mostly text a tokenizer meets (letters, spaces, newlines, punctuation) with any scalar value mixed in.
    private static readonly Gen<string> Texts =
        Gen.Frequency(
                (6, Gen.Elements("a", "b", "e", "t", "the", "Hello", " ", " ", "  ", "\n", "\t", ".", ",", "'", "é", "世", "界")),
                (3, Gen.Choose(0x20, 0x7E).Select(c => ((char)c).ToString())),
                (2, Gen.Choose(0, 0x10FFFF).Where(c => c is (< 0xD800 or > 0xDFFF) and not 0x2581).Select(char.ConvertFromUtf32)))
            .ArrayOf()
            .Select(parts => string.Concat(parts));

    [Theory]
    [MemberData(nameof(SpmTestVocabularies.WithByteFallback), MemberType = typeof(SpmTestVocabularies))]
    public void Decode_inverts_encode(string vocab)
    {
        Tokenizer tokenizer = SpmTestVocabularies.Get(vocab);
        Prop.ForAll(Texts.ToArbitrary(), text => tokenizer.Decode(tokenizer.Encode(text)) == text)
            .QuickCheckThrowOnFailure();
    }
}
