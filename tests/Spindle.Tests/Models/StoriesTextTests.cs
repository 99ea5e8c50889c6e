using System.Text;
using Spindle.Gguf;
using Spindle.Models;

namespace Spindle.Tests.Models;

/// <summary>stories260K, greedy from BOS alone, writes the text llama2.c's reference run produces.</summary>
public sealed class StoriesTextTests
{
    private const string KnownText =
        "Once upon a time, there was a little girl named Lily. She loved to play outside in the park. One day, she saw a big, red ball. " +
        "She wanted to play with it, but it was too high.\nLily's mom said, \"Lily, let's go to the park.\"";

    [Fact]
    public void GreedyFromBosWritesTheKnownStory()
    {
        string path = ReferenceModels.Find("models/stories260K/stories260K.f32.gguf").GgufPath;
        using var model = Model.Load(path, new ModelOptions { ThreadCount = 1 });
        int[] ids = ModelConformanceTests.Greedy(model, [1], 200);
        string text = Detokenize(model.File, ids);
        Assert.StartsWith(KnownText, text);
    }

    /// <summary>Test-only detokenizer: SentencePiece pieces with ▁ as space and &lt;0xNN&gt; byte tokens.</summary>
    private static string Detokenize(GgufFile file, int[] ids)
    {
        var pieces = file.Metadata.GetArrayOrNull(GgufKeys.Tokens)!.As<string>();
        var bytes = new List<byte>();
        foreach (int id in ids)
        {
            string p = pieces[id];
            if (p.Length == 6 && p.StartsWith("<0x") && p.EndsWith('>')) bytes.Add(Convert.ToByte(p.Substring(3, 2), 16));
            else bytes.AddRange(Encoding.UTF8.GetBytes(p.Replace('\u2581', ' ')));
        }
        string text = Encoding.UTF8.GetString(bytes.ToArray());
        return text.StartsWith(' ') ? text[1..] : text;
    }
}
