using System.CommandLine;

namespace Spindle.Cli.Commands;

/// <summary>
/// --chat-template-file FILE (llama.cpp's name): a Jinja chat template to use instead of the file's
/// <c>tokenizer.chat_template</c>, e.g. when the model's own template fails or is missing.
/// </summary>
internal static class ChatTemplateFile
{
    /// <summary>1 M characters: real templates are a few KiB; the largest shared one is under 20 KiB.</summary>
    public const int MaxChars = 1 << 20;

    public static Option<FileInfo?> Create() => new("--chat-template-file")
    {
        Description = "Jinja chat template to use instead of the model's (tokenizer.chat_template)",
    };

    /// <summary>The template's text, or null when the option was not given.</summary>
    public static string? Read(FileInfo? file)
    {
        if (file is null) return null;
        if (!file.Exists) throw new CliException($"--chat-template-file: file not found: {file.FullName}");
        string text = BoundedText.ReadFile(file.FullName, "--chat-template-file", MaxChars);
        if (text.Trim().Length == 0) throw new CliException($"--chat-template-file: {file.FullName} is empty");
        return text;
    }
}
