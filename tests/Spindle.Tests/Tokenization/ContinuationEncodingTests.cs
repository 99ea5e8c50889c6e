using System.Text;
using Spindle.Tests.Generation;

namespace Spindle.Tests.Tokenization;

/// <summary>
/// <see cref="Spindle.Tokenization.Tokenizer.EncodeContinuation"/>: generated text re-read without its prompt gives back
/// the generated ids (what watermark detection needs), where a plain encode adds SentencePiece's space prefix.
/// </summary>
public sealed class ContinuationEncodingTests
{
    [Theory]
    [InlineData("stories260K")]
    [InlineData("stories281K")]
    public void GreedyContinuationsRoundTrip(string name)
    {
        string dir = SharedData.PathOf("models", name);
        using var model = GenerationTestModels.Load(Path.Combine(dir, $"{name}.f32.gguf"));
        var tokenizer = model.Tokenizer;
        // llama.cpp's greedy continuation of "Once upon a time": ", there was …" (the first piece has no space).
        int[] ids = GenerationTestModels.ReadIds(Path.Combine(dir, $"{name}.f32.greedy.txt"));
        int end = Array.FindIndex(ids, tokenizer.Vocabulary.IsEndOfGeneration);
        if (end >= 0) ids = ids[..end];
        var text = new StringBuilder();
        foreach (int id in ids) text.Append(Encoding.UTF8.GetString(tokenizer.TokenToPiece(id)));

        Assert.Equal(ids, tokenizer.EncodeContinuation(text.ToString()));
        // A plain encode treats the text as a start: "▁," for the first ",".
        Assert.NotEqual(ids[0], tokenizer.Encode(text.ToString())[0]);
        // A continuation that starts with a space keeps it as the word's own "▁".
        int[] tail = ids[1..];
        Assert.Equal(tail, tokenizer.EncodeContinuation(text.ToString()[Encoding.UTF8.GetString(tokenizer.TokenToPiece(ids[0])).Length..]));
        Assert.Empty(tokenizer.EncodeContinuation(""));
    }
}
