using Spectre.Console;
using Spindle.Gguf;
using Spindle.Models.Quantization;
using Spindle.Tensors.Blocks;
namespace Spindle.Cli.Inspection;

/// <summary>
/// The human-readable `spindle inspect` output: sections of key/value grids and a tensor table. Every string from the
/// file (names, keys, values, tensor names) is escaped for the terminal; `--json` keeps them exact.
/// </summary>
internal static class InspectTextReport
{
    public static void Write(IAnsiConsole console, ModelSummary s)
    {
        var file = Grid();
        file.AddRow("path", Text(s.Path));
        file.AddRow("size", $"{s.FileSize:N0} bytes ({MetadataText.Bytes(s.FileSize)})");
        file.AddRow("format", s.IsCheckpointFolder
            ? "Hugging Face checkpoint folder (safetensors), shown as the GGUF it converts to"
            : $"GGUF v{s.Version}, alignment {s.Alignment}, data at byte {s.DataOffset:N0}");
        file.AddRow("metadata", $"{s.Metadata.Count} keys");
        file.AddRow("architecture", s.Architecture is null ? "(none)" : Text(s.Architecture));
        if (s.Name != null) file.AddRow("name", Text(s.Name));
        if (s.Metadata.GetInt64OrNull(GgufKeys.FileType) is long ft) file.AddRow("file type", $"{LlamaFileTypes.DisplayName(ft)} ({ft})");
        Section(console, "Model", file);

        if (s.HyperParameters.Count > 0)
        {
            var hyper = Grid();
            foreach (var (suffix, value) in s.HyperParameters) hyper.AddRow(Text(suffix), Markup.Escape(MetadataText.Format(value)));
            Section(console, $"Hyper-parameters ({Text(s.Architecture!)}.*)", hyper);
        }

        var tok = Grid();
        tok.AddRow("model", s.TokenizerModel is null ? "(none)" : Text(s.TokenizerModel));
        tok.AddRow("pre", s.TokenizerPre is null ? "(none)" : Text(s.TokenizerPre));
        tok.AddRow("vocab size", s.VocabularySize?.ToString() ?? "(none)");
        if (s.MergeCount is int merges) tok.AddRow("merges", merges.ToString());
        foreach (string key in ModelSummary.TokenizerIdKeys)
            if (s.Metadata.GetInt64OrNull(key) is long id) tok.AddRow(ModelSummary.ShortTokenizerKey(key), id.ToString());
        foreach (string key in ModelSummary.TokenizerFlagKeys)
            if (s.Metadata.GetBoolOrNull(key) is bool flag) tok.AddRow(ModelSummary.ShortTokenizerKey(key), flag ? "true" : "false");
        tok.AddRow("chat template", s.ChatTemplate is { } template ? $"present ({template.Length:N0} chars)" : "absent");
        Section(console, "Tokenizer", tok);

        if (s.Tensors.Count == 0)
        {
            console.WriteLine("No tensors (vocabulary-only file).");
            return;
        }
        var table = new Table().Border(TableBorder.Simple).Title($"Tensors ({s.Tensors.Count})");
        table.AddColumn("name");
        table.AddColumn("type");
        table.AddColumn("shape");
        table.AddColumn(new TableColumn("bytes").RightAligned());
        foreach (var t in s.Tensors)
            table.AddRow(Text(t.Name), GgmlTypeInfo.Name(t.Type), Markup.Escape(t.ShapeText), t.ByteLength.ToString("N0"));
        table.AddEmptyRow();
        table.AddRow("total", "", $"{s.TotalParameters:N0} params", s.TotalTensorBytes.ToString("N0"));
        console.Write(table);
        var types = new List<string>();
        foreach (var (type, count, bytes) in s.TypeCounts) types.Add($"{GgmlTypeInfo.Name(type)}: {count} ({MetadataText.Bytes(bytes)})");
        console.WriteLine($"{s.Tensors.Count} tensors, {s.TotalTensorBytes:N0} bytes ({MetadataText.Bytes(s.TotalTensorBytes)}); " + string.Join(", ", types));
    }

    /// <summary>A string from the file, made safe for the terminal and for Spectre's markup.</summary>
    private static string Text(string value) => Markup.Escape(TerminalText.Escape(value));

    private static Grid Grid()
    {
        var grid = new Grid();
        grid.AddColumn(new GridColumn().PadLeft(2).PadRight(2));
        grid.AddColumn();
        return grid;
    }

    private static void Section(IAnsiConsole console, string title, Grid grid)
    {
        console.MarkupLine($"[bold]{title}[/]");
        console.Write(grid);
        console.WriteLine();
    }
}
