using System.Buffers.Binary;
using System.CommandLine;
using System.Globalization;
using System.Runtime.InteropServices;
using Spindle.Models;
using Spindle.Tokenization;

namespace Spindle.Cli.Commands;

/// <summary>
/// `spindle logits --tokens 1,2,3 --out FILE`: teacher-forced logits of every position from one batched forward pass,
/// written as rows × n_vocab float32, little-endian, row-major (the layout of llama.cpp's reference .logits.f32 files).
/// </summary>
internal static class LogitsCommand
{
    public static Command Create(CliContext context)
    {
        var model = ModelCommandOptions.Model();
        var tokens = new Option<string?>("--tokens") { Description = "Comma-separated token ids, e.g. 1,403,407" };
        var prompt = new Option<string?>("--prompt") { Description = "Text to tokenize with the model's tokenizer instead of --tokens" };
        var addSpecial = new Option<bool>("--add-special") { Description = "With --prompt: add BOS/EOS as the model's metadata asks" };
        var parseSpecial = new Option<bool>("--parse-special") { Description = "With --prompt: turn control-token text such as <s> into those tokens" };
        var output = new Option<string>("--out", "-o") { Description = "File to write the float32 logits to", Required = true };
        var threads = ModelCommandOptions.Threads();
        var tokenizer = ModelCommandOptions.Tokenizer();

        var command = new Command("logits", "Write the logits of every position of a token sequence (one batched forward pass) as float32 rows");
        foreach (var o in new Option[] { model, tokens, prompt, addSpecial, parseSpecial, output, threads, tokenizer }) command.Options.Add(o);
        command.SetAction(parse =>
        {
            string? tokenText = parse.GetValue(tokens), promptText = parse.GetValue(prompt);
            if ((tokenText is null) == (promptText is null)) throw new CliException("give either --tokens or --prompt (exactly one)");
            if (tokenText is not null && (parse.GetValue(addSpecial) || parse.GetValue(parseSpecial)))
                throw new CliException("--add-special and --parse-special apply to --prompt, not --tokens");
            int[]? ids = tokenText is null ? null : ParseTokenList(tokenText);
            string outPath = parse.GetRequiredValue(output);

            string? tokenizerPath = parse.GetValue(tokenizer);
            if (tokenizerPath != null && promptText is null) throw new CliException("--tokenizer applies to --prompt, not --tokens");
            ModelCommandOptions.CheckTokenizerPath(tokenizerPath);
            using var loaded = ModelCommandOptions.Load(parse.GetValue(model), parse.GetValue(threads));
            int vocab = loaded.Config.VocabSize;
            ids ??= (tokenizerPath is null ? Tokenizer.FromGguf(loaded.File) : Tokenizer.FromFile(tokenizerPath, vocab)).Encode(promptText!, parse.GetValue(addSpecial), parse.GetValue(parseSpecial));
            if (ids.Length == 0) throw new CliException("the prompt tokenized to no tokens (try --add-special)");
            foreach (int id in ids)
                if ((uint)id >= (uint)vocab) throw new CliException($"token id {id} is outside the vocabulary [0, {vocab})");

            var logits = new float[(long)ids.Length * vocab];
            new InferenceSession(loaded, contextLength: ids.Length).Evaluate(ids, logits);
            WriteLittleEndian(outPath, logits);
            context.Out.WriteLine($"wrote {ids.Length} × {vocab} logits (float32, little-endian, row-major) to {outPath}");
            return 0;
        });
        return command;
    }

    /// <summary>"1, 2,3" → [1, 2, 3]; a word that is not a 32-bit integer is reported by itself.</summary>
    internal static int[] ParseTokenList(string text)
    {
        var parts = text.Split([',', ' ', '\t', '\n'], StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length == 0) throw new CliException("--tokens holds no token ids");
        var ids = new int[parts.Length];
        for (int i = 0; i < parts.Length; i++)
        {
            if (!int.TryParse(parts[i], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out ids[i]))
                throw new CliException($"token id '{parts[i]}' is not an integer");
        }
        return ids;
    }

    private static void WriteLittleEndian(string path, float[] values)
    {
        using var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16);
        if (BitConverter.IsLittleEndian)
        {
            // In slices: a byte span of the whole array could pass int.MaxValue.
            for (int i = 0; i < values.Length; i += 1 << 20)
                stream.Write(MemoryMarshal.AsBytes(values.AsSpan(i, Math.Min(1 << 20, values.Length - i))));
            return;
        }
        Span<byte> four = stackalloc byte[4];
        foreach (float v in values)
        {
            BinaryPrimitives.WriteSingleLittleEndian(four, v);
            stream.Write(four);
        }
    }
}
