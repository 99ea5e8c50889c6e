namespace Spindle.Tokenization;

internal static class TokenizerFactory
{
    public static Tokenizer Create(Vocabulary vocabulary) => vocabulary.Model switch
    {
        "llama" => new Spm.SpmTokenizer(vocabulary),
        "bert" => new WordPiece.WordPieceTokenizer(vocabulary),
        "gpt2" => new Bpe.BpeTokenizer(vocabulary),
        _ => throw new NotSupportedException(
            $"tokenizer model '{vocabulary.Model}' is not supported (supported: llama, gpt2, bert)"),
    };
}
