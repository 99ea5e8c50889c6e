using System.Buffers.Binary;
using System.CommandLine;
using System.Runtime.InteropServices;
using Spindle.Models;
using Spindle.Tokenization;

namespace Spindle.Cli.Commands;

/// <summary>
/// `spindle logits --tokens 1,2,3 --out FILE`: teacher-forced logits of every position (the rows one batched forward
/// pass gives, computed a 16 MiB block of rows at a time), written as rows × n_vocab float32, little-endian, row-major
/// (the layout of llama.cpp's reference .logits.f32 files). At most the model's context of tokens.
/// </summary>
internal static class LogitsCommand
{
    public static Command Create(CliContext context)
    {
        var model = ModelCommandOptions.Model();
        var tokens = new Option<string?>("--tokens") { Description = "Token ids, e.g. 1,403,407 (or \"1 403 407\", [1, 403, 407]); at most the model's context" };
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
            int[]? ids = tokenText is null ? null : TokenIdList.Parse(tokenText, "--tokens");
            string outPath = parse.GetRequiredValue(output);

            string? tokenizerPath = parse.GetValue(tokenizer);
            if (tokenizerPath != null && promptText is null) throw new CliException("--tokenizer applies to --prompt, not --tokens");
            ModelCommandOptions.CheckTokenizerPath(tokenizerPath);
            using var loaded = ModelCommandOptions.Load(parse.GetValue(model), parse.GetValue(threads));
            int vocab = loaded.Config.VocabSize;
            ids ??= (tokenizerPath is null ? Tokenizer.FromGguf(loaded.File) : Tokenizer.FromFile(tokenizerPath, vocab)).Encode(promptText!, parse.GetValue(addSpecial), parse.GetValue(parseSpecial));
            if (ids.Length == 0) throw new CliException("the prompt tokenized to no tokens (try --add-special)");
            TokenIdList.CheckInVocabulary(ids, vocab);
            // One cache slot per token: more than the model's context would read positions it was never trained on,
            // and llama.cpp refuses it too; the memory check of the cache comes after this.
            if (ids.Length > loaded.Config.ContextLength)
                throw new CliException($"{ids.Length} tokens are more than the model's context of {loaded.Config.ContextLength}");

            // Rows are computed and written a block at a time, so memory does not grow with the sequence; each block
            // continues the same cache, which gives the rows one batched pass would (the pass is micro-batched anyway).
            int rowsPerBlock = (int)Math.Clamp((16L << 20) / ((long)vocab * sizeof(float)), 1, ids.Length);
            var logits = new float[(long)rowsPerBlock * vocab];
            var session = new InferenceSession(loaded, contextLength: ids.Length);
            using (var stream = new FileStream(outPath, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16))
            {
                for (int start = 0; start < ids.Length; start += rowsPerBlock)
                {
                    int rows = Math.Min(rowsPerBlock, ids.Length - start);
                    var block = logits.AsSpan(0, rows * vocab);
                    session.Evaluate(ids.AsSpan(start, rows), block);
                    WriteLittleEndian(stream, block);
                }
            }
            context.Out.WriteLine($"wrote {ids.Length} × {vocab} logits (float32, little-endian, row-major) to {TerminalText.Escape(outPath)}");
            return 0;
        });
        return command;
    }

    private static void WriteLittleEndian(Stream stream, ReadOnlySpan<float> values)
    {
        if (BitConverter.IsLittleEndian)
        {
            stream.Write(MemoryMarshal.AsBytes(values));
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
