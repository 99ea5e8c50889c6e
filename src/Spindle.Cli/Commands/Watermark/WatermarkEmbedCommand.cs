using System.CommandLine;
using System.Globalization;
using Spindle.Cli.Options;
using Spindle.Watermarking;
using Spindle.Watermarking.BlackBox;

namespace Spindle.Cli.Commands.Watermark;

/// <summary>
/// `spindle watermark embed FILE`: rewrites a given text with the black-box watermark (<see cref="BlackBoxEmbedder"/>):
/// scored words whose keyed bit is 0 are replaced by words the local model proposes whose bit is 1, up to --ratio of
/// the words. The rewritten text goes to stdout (exactly, or escaped on a terminal); a summary (words, replacements,
/// bit-1 share and z before and after) to stderr, and with --verbose each replacement.
/// </summary>
internal static class WatermarkEmbedCommand
{
    private static readonly BlackBoxOptions Defaults = new() { Key = default };

    public static Command Create(CliContext context)
    {
        var model = ModelCommandOptions.Model();
        var threads = ModelCommandOptions.Threads();
        var key = new Option<string>("--key", "-k") { Description = "The watermark's secret passphrase (WatermarkKey.FromString)", Required = true };
        var ratio = NumericOption.Double("--ratio", "Most words replaced, as a share of the text's words", NumericRange.Reals(0, 1), Defaults.ReplacementRatio);
        var minShare = NumericOption.Double("--min-share", "A replacement's least share of the model's proposals for its place", NumericRange.Reals(0, 1), Defaults.MinimumProbability);
        var maxLoss = NumericOption.Double("--max-loss", "How much less likely (nats) the word and the next few words may be with a replacement than with the original",
            NumericRange.Reals(0, 1000), Defaults.MaxLikelihoodLoss);
        var file = new Argument<string>("FILE") { Description = "UTF-8 text to rewrite ('-': stdin)" };
        var listReplacements = new Option<bool>("--list") { Description = "List each replacement on stderr" };

        var command = new Command("embed", "Rewrite a text with the black-box word watermark (Yang et al. 2023): words whose keyed bit is 0 become model-proposed words whose bit is 1");
        foreach (var o in new Option[] { model, threads, key, ratio, minShare, maxLoss, listReplacements }) command.Options.Add(o);
        command.Arguments.Add(file);
        command.SetAction(parse =>
        {
            string passphrase = parse.GetRequiredValue(key);
            if (passphrase.Length == 0) throw new CliException("--key: the passphrase must not be empty");
            string path = parse.GetRequiredValue(file);
            string text;
            if (path == "-") text = context.In.ReadToEnd();
            else if (!File.Exists(path)) throw new FileNotFoundException($"input file not found: {path}", path);
            else text = File.ReadAllText(path);
            var options = new BlackBoxOptions
            {
                Key = WatermarkKey.FromString(passphrase), ReplacementRatio = parse.GetValue(ratio), MinimumProbability = parse.GetValue(minShare),
                MaxLikelihoodLoss = parse.GetValue(maxLoss),
            };
            using var loaded = ModelCommandOptions.LoadSpindle(parse.GetValue(model), parse.GetValue(threads));
            var embedding = new BlackBoxEmbedder(loaded.Model, loaded.Tokenizer, options).Embed(text);
            context.WriteGenerated(embedding.Text);
            var inv = CultureInfo.InvariantCulture;
            if (parse.GetValue(listReplacements))
                foreach (var r in embedding.Replacements)
                    context.Error.WriteLine(TerminalText.Escape(string.Create(inv, $"embed: @{r.Start} {r.Original} -> {r.Replacement} ({r.Probability:P0})")));
            var (before, after) = (embedding.Before, embedding.After);
            context.Error.WriteLine(string.Create(inv,
                $"embed: {embedding.Words} words, {before.ScoredWords} scored, {embedding.ZeroWords} with bit 0 met, {embedding.Replacements.Count} replaced (budget {embedding.Budget}); "
                + $"bit-1 share {before.OneFraction:F3} -> {after.OneFraction:F3}, z {before.ZScore:F2} -> {after.ZScore:F2} ({after.Verdict})"));
            return 0;
        });
        return command;
    }
}
