using System.Text.Json.Nodes;

namespace Spindle.Tests.Models.HuggingFace;

/// <summary>
/// A writable copy of the shared tinystories-656K Hugging Face folder in a temporary directory, for tests that change
/// its config, its tensors or its file layout; deleted on dispose.
/// </summary>
internal sealed class TempCheckpoint : IDisposable
{
    public static string SharedFolder => SharedData.PathOf("models", "tinystories-656K", "hf");

    private TempCheckpoint(string path) => Path = path;

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    /// <summary>A copy of every file of the shared folder.</summary>
    public static TempCheckpoint Copy()
    {
        var checkpoint = new TempCheckpoint(Directory.CreateTempSubdirectory("spindle-hf-").FullName);
        foreach (string f in Directory.GetFiles(SharedFolder))
            System.IO.File.Copy(f, checkpoint.File(System.IO.Path.GetFileName(f)));
        // The shared files are read-only; copies must be writable to be rewritten and deleted.
        foreach (string f in Directory.GetFiles(checkpoint.Path)) System.IO.File.SetAttributes(f, FileAttributes.Normal);
        return checkpoint;
    }

    /// <summary>Rewrites config.json through <paramref name="edit"/>.</summary>
    public void EditConfig(Action<JsonObject> edit)
    {
        var config = JsonNode.Parse(System.IO.File.ReadAllText(File("config.json")))!.AsObject();
        edit(config);
        System.IO.File.WriteAllText(File("config.json"), config.ToJsonString());
    }

    /// <summary>Rewrites model.safetensors with the tensors <paramref name="edit"/> returns.</summary>
    public void EditTensors(Func<List<SafetensorsBytes.Entry>, IEnumerable<SafetensorsBytes.Entry>> edit)
    {
        var entries = SafetensorsBytes.ReadAll(File("model.safetensors"));
        System.IO.File.WriteAllBytes(File("model.safetensors"), SafetensorsBytes.Build(edit(entries)));
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // A mapping still open elsewhere; the temp folder is left for the OS to clean.
        }
    }
}
