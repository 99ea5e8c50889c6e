using Spindle.Cli;

namespace Spindle.Tests.Cli;

public class ModelPathResolverTests
{
    private static readonly string Existing = SharedData.PathOf("models", "stories260K", "stories260K.f32.gguf");

    [Fact]
    public void Explicit_path_wins() =>
        Assert.Equal("given.gguf", ModelPathResolver.Resolve("given.gguf", Existing, AppContext.BaseDirectory));

    [Fact]
    public void Environment_variable_comes_next() =>
        Assert.Equal(Existing, ModelPathResolver.Resolve(null, Existing, AppContext.BaseDirectory));

    [Fact]
    public void Environment_variable_naming_a_missing_file_is_an_error()
    {
        var e = Assert.Throws<FileNotFoundException>(() => ModelPathResolver.Resolve(null, "/no/such/model.gguf", AppContext.BaseDirectory));
        Assert.Contains("/no/such/model.gguf", e.Message);
        Assert.Contains("SPINDLE_MODEL", e.Message);
    }

    [Fact]
    public void Falls_back_to_the_built_in_model_in_the_repository()
    {
        string path = ModelPathResolver.Resolve(null, null, AppContext.BaseDirectory);
        string root = ModelPathResolver.FindRepositoryRoot(AppContext.BaseDirectory)!;
        Assert.Equal(Path.Combine(root, "models", "tinystories-656K.q8_0.gguf"), path);
        // The built-in file is the published model, unchanged: the same bytes as the reference copy in ../shared.
        Assert.Equal(File.ReadAllBytes(SharedData.PathOf("models", "tinystories-656K", "tinystories-656K.q8_0.gguf")), File.ReadAllBytes(path));
    }

    [Fact]
    public void The_built_in_model_needs_nothing_beside_the_repository()
    {
        // A repository root holding only Spindle.slnx and models/: no ../shared anywhere above it.
        string root = Path.Combine(Path.GetTempPath(), $"spindle-bare-{Guid.NewGuid():N}");
        string nested = Path.Combine(root, "bin");
        Directory.CreateDirectory(nested);
        Directory.CreateDirectory(Path.Combine(root, "models"));
        File.WriteAllText(Path.Combine(root, "Spindle.slnx"), "<Solution />");
        string model = Path.Combine(root, "models", "tinystories-656K.q8_0.gguf");
        File.WriteAllBytes(model, [0x47, 0x47, 0x55, 0x46]);
        try
        {
            Assert.Equal(model, ModelPathResolver.Resolve(null, null, nested));
            Assert.Equal(model, ModelPathResolver.Resolve(null, "  ", root));
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [Fact]
    public void Nothing_found_says_what_was_tried()
    {
        string outside = Path.Combine(Path.GetTempPath(), $"spindle-noroot-{Guid.NewGuid():N}");
        Directory.CreateDirectory(outside);
        try
        {
            var e = Assert.Throws<CliException>(() => ModelPathResolver.Resolve(null, "", outside));
            Assert.Contains("--model", e.Message);
            Assert.Contains("SPINDLE_MODEL", e.Message);
            Assert.Contains("Spindle.slnx", e.Message);
        }
        finally
        {
            Directory.Delete(outside);
        }
    }

    [Fact]
    public void Missing_default_names_its_path()
    {
        string root = Path.Combine(Path.GetTempPath(), $"spindle-root-{Guid.NewGuid():N}");
        string nested = Path.Combine(root, "bin", "Release");
        Directory.CreateDirectory(nested);
        File.WriteAllText(Path.Combine(root, "Spindle.slnx"), "<Solution />");
        try
        {
            var e = Assert.Throws<CliException>(() => ModelPathResolver.Resolve(null, null, nested));
            Assert.Contains("tinystories-656K.q8_0.gguf", e.Message);
            Assert.Contains("does not exist", e.Message);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }
}
