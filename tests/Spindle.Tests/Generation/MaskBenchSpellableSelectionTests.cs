using static Spindle.Tests.Generation.GenerationTestModels;

namespace Spindle.Tests.Generation;

/// <summary>
/// The MaskBench schemas <see cref="JsonSchemaGenerationTests"/> generates for with tinystories-656K are the ones
/// <see cref="MaskBenchSpellableSelection"/> picks today. To re-select after an engine change:
/// <c>dotnet test tests/Spindle.Tests -c Release --filter FullyQualifiedName~MaskBenchSpellableSelectionTests</c>
/// and copy the printed list into <see cref="JsonSchemaGenerationTests.TinyStoriesMaskBenchSchemas"/>.
/// </summary>
public sealed class MaskBenchSpellableSelectionTests(ITestOutputHelper output)
{
    [Fact]
    public void TinyStoriesSelectionIsTheFirstSpellableSchemaOfEachShape()
    {
        using var model = Load(TinyStoriesQ8);
        var selected = MaskBenchSpellableSelection.Select(model.ConstraintTrie, 20);
        foreach (string name in selected) output.WriteLine($"\"{name}\",");
        Assert.Equal(JsonSchemaGenerationTests.TinyStoriesMaskBenchSchemas, selected);
    }

    [Fact]
    public void SearchSpellsAnEnumAndFindsNothingForAnObject()
    {
        using var model = Load(TinyStoriesQ8);
        var search = new VocabularySpellingSearch(model.ConstraintTrie);
        var cache = new Spindle.Constraints.GrammarCache();
        var spelling = search.FindSpelling(cache.GetOrCompile(Spindle.Constraints.GrammarSyntax.JsonSchemaCompact, """{"enum":["cat","dog"]}"""));
        Assert.NotNull(spelling);
        Assert.Contains(MaskBenchSpellableSelection.Spell(model.ConstraintTrie.Vocabulary, spelling).Trim(), new[] { "\"cat\"", "\"dog\"" });
        // No '{' token and no byte fallback: an object can never be written.
        Assert.Null(search.FindSpelling(cache.GetOrCompile(Spindle.Constraints.GrammarSyntax.JsonSchemaCompact, """{"type":"object"}""")));
    }
}
