using Spindle.Models;
using Spindle.Tests.Models;
using Spindle.Tokenization;

namespace Spindle.Tests.Decoding;

/// <summary>The small models the search tests run on, and prompts for them (tokenized with each model's own vocabulary).</summary>
public static class DecodingModels
{
    public const string Stories = "models/stories260K/stories260K.f32.gguf";
    public const string TinyStories = "models/tinystories-656K/tinystories-656K.q8_0.gguf";

    public static readonly string[] Texts = ["Once upon a time", "Lily and Tom went to the park", "The little dog was sad because"];

    public static TheoryData<string> Both() => [Stories, TinyStories];

    public static TheoryData<string, int> BothWithPrompts()
    {
        var data = new TheoryData<string, int>();
        foreach (string file in new[] { Stories, TinyStories })
            for (int p = 0; p < Texts.Length; p++) data.Add(file, p);
        return data;
    }

    public static Model Load(string file) =>
        Model.Load(ReferenceModels.Find(file).GgufPath, new ModelOptions { ThreadCount = 1 });

    /// <summary>BOS + the text, as the model's tokenizer encodes it.</summary>
    public static int[] Prompt(Model model, int index) =>
        Tokenizer.FromGguf(model.File).Encode(Texts[index], addSpecial: true);
}
