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
/// line by line (each line a JSON string) for batch use.
/// </summary>
internal static class TokenizeCommand
{
    public static Command Create(CliContext context)
    {
        var model = new Option<string>("--model", "-m") { Description = "Path to a GGUF file or Hugging Face checkpoint folder holding the tokenizer", Required = true };
        var tokenizerOption = ModelCommandOptions.Tokenizer();
        var text = new Option<string?>("--text", "-t") { Description = "Text to tokenize" };
        var file = new Option<string?>("--file", "-f") { Description = "Read the text from this file (UTF-8)" };
        var addSpecial = new Option<bool>("--add-special") { Description = "Add BOS/EOS as the model's metadata asks" };
        var parseSpecial = new Option<bool>("--parse-special") { Description = "Turn control-token text such as <s> into those tokens" };
        var ids = new Option<bool>("--ids") { Description = "Print only the ids, as [1, 2, 3]" };
        var json = new Option<bool>("--json") { Description = "Print a JSON array of {\"id\", \"piece\"} objects" };
        var jsonl = new Option<bool>("--jsonl") { Description = "Batch mode: each stdin line is a JSON string; each output line the JSON array of its ids" };

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

            var tokenizer = TokenizerFiles.Load(parse.GetRequiredValue(model), parse.GetValue(tokenizerOption));
            bool special = parse.GetValue(addSpecial), parseSpecialText = parse.GetValue(parseSpecial);
            if (batch) return RunBatch(context, tokenizer, special, parseSpecialText);

            string input = textValue ?? (fileValue != null ? ReadFile(fileValue) : context.In.ReadToEnd());
            int[] tokens = tokenizer.Encode(input, special, parseSpecialText);
            if (parse.GetValue(ids)) context.Out.WriteLine("[" + string.Join(", ", tokens) + "]");
            else if (parse.GetValue(json)) WriteJson(context.Out, tokenizer, tokens);
            else foreach (int id in tokens) context.Out.WriteLine($"{id,6} -> {MetadataText.Quote(Piece(tokenizer, id), int.MaxValue)}");
            return 0;
        });
        return command;
    }

    private static int RunBatch(CliContext context, Tokenizer tokenizer, bool addSpecial, bool parseSpecial)
    {
        var tokens = new List<int>();
        int lineNumber = 0;
        for (string? line = context.In.ReadLine(); line != null; line = context.In.ReadLine())
        {
            lineNumber++;
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

    private static void WriteJson(TextWriter output, Tokenizer tokenizer, int[] tokens)
    {
        var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            w.WriteStartArray();
            foreach (int id in tokens)
            {
                w.WriteStartObject();
                w.WriteNumber("id", id);
                w.WriteString("piece", Piece(tokenizer, id));
                w.WriteEndObject();
            }
            w.WriteEndArray();
        }
        output.WriteLine(Encoding.UTF8.GetString(buffer.ToArray()));
    }

    /// <summary>The token's text, control tokens included; a piece that is part of a multi-byte character shows as U+FFFD.</summary>
    private static string Piece(Tokenizer tokenizer, int id) => Encoding.UTF8.GetString(tokenizer.TokenToPiece(id, special: true));

    private static string ReadFile(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"input file not found: {path}", path);
        return File.ReadAllText(path, Encoding.UTF8);
    }
}
