using System.CommandLine;
using Spindle.Cli.Options;
using System.Globalization;
using System.Text;
using Spindle.Generation;
using Spindle.Tokenization;

namespace Spindle.Cli.Commands;

/// <summary>
/// `spindle perplexity`: llama-perplexity's measurement (see <see cref="PerplexityEvaluator"/>): the file is tokenized
/// with BOS, cut into chunks of --ctx tokens, each scored on its second half. Prints the running estimate per chunk
/// ([1]5.1234,[2]…) and the final "PPL = …" line as llama.cpp does.
/// </summary>
internal static class PerplexityCommand
{
    public static Command Create(CliContext context)
    {
        var model = ModelCommandOptions.Model();
        var file = new Option<string>("--file", "-f") { Description = "UTF-8 text file to score", Required = true };
        var ctx = NumericOption.Int("--ctx-size", "Tokens per chunk (the file needs at least twice as many; at most the model's context)", NumericRange.Integers(4, ModelCommandOptions.MaxContextLength), 512, "--ctx", "-c");
        var threads = ModelCommandOptions.Threads();
        var cacheTypes = new CacheTypeOptions();
        var tokenizer = ModelCommandOptions.Tokenizer();

        var command = new Command("perplexity", "Measure a model's perplexity on a text file the way llama-perplexity does");
        foreach (var o in new Option[] { model, file, ctx, threads, tokenizer }) command.Options.Add(o);
        foreach (var o in cacheTypes.All) command.Options.Add(o);
        command.SetAction(parse =>
        {
            string path = parse.GetRequiredValue(file);
            if (!File.Exists(path)) throw new FileNotFoundException($"input file not found: {path}", path);
            int contextLength = parse.GetValue(ctx);
            var cacheFormat = cacheTypes.Parse(parse);
            // The model and its tokenizer only: the evaluator makes its own chunk-sized cache, so no session (and no
            // cache of the model's whole context) is made.
            ModelCommandOptions.CheckTokenizerPath(parse.GetValue(tokenizer));
            using var loaded = ModelCommandOptions.Load(parse.GetValue(model), parse.GetValue(threads));
            if (contextLength > loaded.Config.ContextLength)
                throw new CliException($"--ctx must be in [4, {loaded.Config.ContextLength}] for this model, not {contextLength}");
            loaded.CacheShape.Validate(cacheFormat);
            var textTokenizer = parse.GetValue(tokenizer) is { } tokenizerPath
                ? Tokenizer.FromFile(tokenizerPath, loaded.Config.VocabSize)
                : Tokenizer.FromGguf(loaded.File);
            int[] tokens = textTokenizer.Encode(PromptSource.Read(context, null, path), addSpecial: true, parseSpecial: false);
            if (tokens.Length < 2 * contextLength)
                throw new CliException($"{path} has {tokens.Length} tokens; --ctx {contextLength} needs at least {2 * contextLength}");
            var vocab = textTokenizer.Vocabulary;
            int bos = vocab.AddBos ? vocab.BosId : -1;
            var started = System.Diagnostics.Stopwatch.StartNew();
            var result = PerplexityEvaluator.Evaluate(loaded, tokens, contextLength, bos, cacheFormat);
            var inv = CultureInfo.InvariantCulture;
            context.Error.WriteLine($"perplexity: {tokens.Length} tokens, {result.ChunkCount} chunks of {contextLength}, {result.ScoredTokens} scored, {started.Elapsed.TotalSeconds:F2} s");
            var line = new StringBuilder();
            for (int i = 0; i < result.ChunkPerplexities.Count; i++)
                line.Append(inv, $"[{i + 1}]{result.ChunkPerplexities[i]:F4},");
            context.Out.WriteLine(line.ToString());
            context.Out.WriteLine(string.Create(inv, $"Final estimate: PPL = {result.Perplexity:F4}"));
            return 0;
        });
        return command;
    }
}
