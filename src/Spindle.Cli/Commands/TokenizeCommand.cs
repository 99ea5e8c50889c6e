using System.CommandLine;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Spindle.Cli.Inspection;
using Spindle.Tokenization;

namespace Spindle.Cli.Commands;

/// <summary>
/// `spindle tokenize`: text → token ids with the model's own tokenizer. Default output lists id and piece per line
/// (as llama-tokenize does); --ids prints the id list; --json an array of {id, piece}; --jsonl tokenizes stdin
/// line by line (each line a JSON string) for batch use. Text from --file or stdin is streamed: read in chunks, cut only
/// where the ids equal the whole text's (<see cref="StreamingEncoder"/>), and ids are written as they come, so memory
/// does not grow with the input. A run of <see cref="StreamingEncodeOptions.MaxPendingChars"/> chars with no such place
/// (e.g. /dev/zero) is cut anyway, with a warning on stderr.
/// </summary>
internal static class TokenizeCommand
{
    // Pieces as JSON strings with only what JSON requires escaped (source-generated: the native build has no reflection).
    private static readonly CliJsonContext Relaxed = new(new JsonSerializerOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping });

    /// <summary>Longest --jsonl line accepted, in chars: one line is one text, held whole.</summary>
    internal const int MaxJsonlLineChars = 1 << 22;

    public static Command Create(CliContext context)
    {
        var model = ModelCommandOptions.Model();
        // -p as llama-tokenize has it; -t means --threads in every command, so it is not an alias here.
        var text = new Option<string?>("--text", "--prompt", "-p") { Description = "Text to tokenize" };
        var tokenizerOption = ModelCommandOptions.Tokenizer();
        var file = new Option<string?>("--file", "-f") { Description = "Read the text from this file (UTF-8), streamed" };
        var addSpecial = new Option<bool>("--add-special") { Description = "Add BOS/EOS as the model's metadata asks" };
        var parseSpecial = new Option<bool>("--parse-special") { Description = "Turn control-token text such as <s> into those tokens" };
        var ids = new Option<bool>("--ids") { Description = "Print only the ids, as [1, 2, 3]" };
        var json = new Option<bool>("--json") { Description = "Print a JSON array of {\"id\", \"piece\"} objects" };
        var jsonl = new Option<bool>("--jsonl") { Description = $"Batch mode: each stdin line is a JSON string (at most {MaxJsonlLineChars} chars); each output line the JSON array of its ids" };

        var command = new Command("tokenize", "Turn text into token ids with a model's tokenizer (text from --text, --file, or else stdin)");
        foreach (var o in new Option[] { model, tokenizerOption, text, file, addSpecial, parseSpecial, ids, json, jsonl }) command.Options.Add(o);
        command.SetAction(parse =>
        {
            string? textValue = parse.GetValue(text);
            string? fileValue = parse.GetValue(file);
            bool batch = parse.GetValue(jsonl);
            if (textValue != null && fileValue != null) throw new CliException("give either --text or --file, not both");
            if (batch && (textValue != null || fileValue != null)) throw new CliException("--jsonl reads its input from stdin; it cannot be combined with --text or --file");
            if (parse.GetValue(ids) && parse.GetValue(json)) throw new CliException("give either --ids or --json, not both");

            var tokenizer = TokenizerFiles.Load(ModelPathResolver.Resolve(parse.GetValue(model)), parse.GetValue(tokenizerOption));
            bool special = parse.GetValue(addSpecial), parseSpecialText = parse.GetValue(parseSpecial);
            if (batch) return RunBatch(context, tokenizer, special, parseSpecialText);

            var format = parse.GetValue(ids) ? OutputFormat.Ids : parse.GetValue(json) ? OutputFormat.Json : OutputFormat.Pieces;
            var options = new StreamingEncodeOptions { AddSpecial = special, ParseSpecial = parseSpecialText };
            using TextReader? input = textValue != null ? new StringReader(textValue) : fileValue != null ? OpenFile(fileValue) : null;
            var encoder = new StreamingEncoder(tokenizer, options);
            WriteIds(context.Out, tokenizer, WarnOnForcedCut(encoder, encoder.Encode(input ?? context.In), context.Error, options), format);
            if (encoder.ForcedCuts > 1) context.Error.WriteLine($"warning: {encoder.ForcedCuts} such cuts in all");
            return 0;
        });
        return command;
    }

    private enum OutputFormat { Pieces, Ids, Json }

    // Said at the first forced cut, not at the end: an endless input (/dev/zero) never reaches the end.
    private static IEnumerable<int> WarnOnForcedCut(StreamingEncoder encoder, IEnumerable<int> ids, TextWriter error, StreamingEncodeOptions options)
    {
        bool warned = false;
        foreach (int id in ids)
        {
            if (!warned && encoder.ForcedCuts > 0)
            {
                warned = true;
                error.WriteLine($"warning: the input ran {options.MaxPendingChars} chars without a place to cut it (no space or newline the " +
                    "tokenizer splits at) and was cut there; ids next to such cuts may differ from tokenizing the text whole");
                error.Flush();
            }
            yield return id;
        }
    }

    // Ids are written as they come, batched so a console writer is not flushed once per id.
    private static void WriteIds(TextWriter output, Tokenizer tokenizer, IEnumerable<int> ids, OutputFormat format)
    {
        var batch = new StringBuilder(capacity: 1 << 16);
        bool first = true;
        if (format == OutputFormat.Ids) batch.Append('[');
        else if (format == OutputFormat.Json) batch.Append('[');
        foreach (int id in ids)
        {
            switch (format)
            {
                case OutputFormat.Ids:
                    if (!first) batch.Append(", ");
                    batch.Append(id);
                    break;
                case OutputFormat.Json:
                    if (!first) batch.Append(',');
                    batch.Append("{\"id\":").Append(id).Append(",\"piece\":")
                        .Append(JsonSerializer.Serialize(Piece(tokenizer, id), Relaxed.String)).Append('}');
                    break;
                default:
                    batch.Append($"{id,6} -> {MetadataText.Quote(Piece(tokenizer, id), int.MaxValue)}").Append('\n');
                    break;
            }
            first = false;
            if (batch.Length >= 1 << 15)
            {
                output.Write(batch);
                batch.Clear();
            }
        }
        if (format != OutputFormat.Pieces) batch.Append(']').Append('\n');
        output.Write(batch);
        output.Flush();
    }

    private static int RunBatch(CliContext context, Tokenizer tokenizer, bool addSpecial, bool parseSpecial)
    {
        var tokens = new List<int>();
        var lines = new BoundedLineReader(context.In, MaxJsonlLineChars);
        for (int lineNumber = 1; lines.ReadLine() is { } line; lineNumber++)
        {
            if (line.Length > MaxJsonlLineChars)
                throw new CliException($"stdin line {lineNumber} is longer than {MaxJsonlLineChars} chars; --jsonl holds one line at a time " +
                    "(tokenize a longer text with --file or plain stdin, which stream)");
            string text;
            try
            {
                text = JsonSerializer.Deserialize(line, CliJsonContext.Default.String) ?? throw new JsonException("null");
            }
            catch (JsonException)
            {
                throw new CliException($"stdin line {lineNumber} is not a JSON string");
            }
            tokens.Clear();
            tokenizer.Encode(text, tokens, addSpecial, parseSpecial);
            context.Out.WriteLine(JsonSerializer.Serialize(tokens, CliJsonContext.Default.ListInt32));
        }
        return 0;
    }

    /// <summary>
    /// Lines of a reader, each held only up to a limit: a longer line comes back as limit + 1 chars (the caller reports
    /// it) and the rest of it is never buffered, so one endless line cannot exhaust memory.
    /// </summary>
    private sealed class BoundedLineReader(TextReader reader, int maxChars)
    {
        private readonly char[] _buffer = new char[1 << 14];
        private readonly StringBuilder _line = new();
        private int _position, _count;

        public string? ReadLine()
        {
            _line.Clear();
            bool any = false;
            while (true)
            {
                if (_position == _count)
                {
                    _count = reader.Read(_buffer, 0, _buffer.Length);
                    _position = 0;
                    if (_count == 0) return any ? _line.ToString() : null;
                }
                any = true;
                int end = Array.IndexOf(_buffer, '\n', _position, _count - _position);
                int stop = end < 0 ? _count : end;
                int take = Math.Min(stop - _position, maxChars + 1 - _line.Length);
                _line.Append(_buffer, _position, take);
                if (_line.Length > maxChars) return _line.ToString();
                _position = end < 0 ? _count : end + 1;
                if (end >= 0)
                {
                    if (_line.Length > 0 && _line[^1] == '\r') _line.Length--;
                    return _line.ToString();
                }
            }
        }
    }

    /// <summary>The token's text, control tokens included; a piece that is part of a multi-byte character shows as U+FFFD.</summary>
    private static string Piece(Tokenizer tokenizer, int id) => Encoding.UTF8.GetString(tokenizer.TokenToPiece(id, special: true));

    private static StreamReader OpenFile(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"input file not found: {path}", path);
        return new StreamReader(path, Encoding.UTF8, detectEncodingFromByteOrderMarks: true,
            new FileStreamOptions { Access = FileAccess.Read, Share = FileShare.ReadWrite, BufferSize = 1 << 16 });
    }
}
