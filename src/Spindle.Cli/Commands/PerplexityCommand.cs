using System.CommandLine;
using System.Globalization;
using System.Text;
using Spindle.Generation;

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
        var ctx = new Option<int>("--ctx-size", "--ctx", "-c") { Description = "Tokens per chunk (the file needs at least twice as many)", DefaultValueFactory = _ => 512 };
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
            using var spindle = ModelCommandOptions.LoadSpindle(parse.GetValue(model), parse.GetValue(threads), tokenizerPath: parse.GetValue(tokenizer));
            if (contextLength < 4 || contextLength > spindle.Model.Config.ContextLength)
                throw new CliException($"--ctx must be in [4, {spindle.Model.Config.ContextLength}] for this model, not {contextLength}");
            int[] tokens = spindle.Tokenizer.Encode(File.ReadAllText(path, Encoding.UTF8), addSpecial: true, parseSpecial: false);
            if (tokens.Length < 2 * contextLength)
                throw new CliException($"{path} has {tokens.Length} tokens; --ctx {contextLength} needs at least {2 * contextLength}");
            var vocab = spindle.Vocabulary;
            int bos = vocab.AddBos ? vocab.BosId : -1;
            var started = System.Diagnostics.Stopwatch.StartNew();
            spindle.Model.CacheShape.Validate(cacheFormat);
            var result = PerplexityEvaluator.Evaluate(spindle.Model, tokens, contextLength, bos, cacheFormat);
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
