using System.Text;
using FsCheck;
using FsCheck.Fluent;
using Spindle.Tokenization;
using Spindle.Tokenization.Spm;

namespace Spindle.Tests.Tokenization;

/// <summary>
/// The fast path merges segments separately where no token spans the boundary; it must give exactly the ids of merging
/// each fragment whole, as llama.cpp does.
/// </summary>
public class SpmSegmentSplitTests
{
    private static readonly Lazy<SpmTokenizer> WholeFragments = new(() =>
        new SpmTokenizer(SpmTestVocabularies.Get("llama-spm").Vocabulary, splitSegments: false));

    [Fact]
    public void Agrees_with_whole_fragment_merging_on_json_and_vectors()
    {
        var fast = SpmTestVocabularies.Get("llama-spm");
        var whole = WholeFragments.Value;
        var sb = new StringBuilder();
        string dir = SharedData.PathOf("jsonschema", "maskbench");
        var files = Directory.GetFiles(dir);
        Array.Sort(files, StringComparer.Ordinal);
        foreach (string f in files.Take(40)) sb.Append(File.ReadAllText(f));
        foreach (var v in SpmTestVocabularies.Vectors("llama-spm").Cases) sb.Append(v.Text);
        string text = sb.ToString();
        Assert.Equal(whole.Encode(text), fast.Encode(text));
    }

    [Fact]
    public void Agrees_with_whole_fragment_merging_on_random_text()
    {
        var fast = SpmTestVocabularies.Get("llama-spm");
        var whole = WholeFragments.Value;
        var texts = Gen.Elements("a", "ab", " ", "  ", "\n", "{\"", "\":", "e", "in", "▁", "é", "世界", "\U0001F600", "0", "-", "_")
            .ArrayOf().Select(parts => string.Concat(parts));
        Prop.ForAll(texts.ToArbitrary(), t => fast.Encode(t).AsSpan().SequenceEqual(whole.Encode(t)))
            .QuickCheckThrowOnFailure();
    }
}
