using System.CommandLine;
using Spindle.Cli.Options;
using System.Globalization;
using System.Text;
using Spindle.Generation;
using Spindle.Sampling.Aligned;

namespace Spindle.Cli.Commands;

/// <summary>
/// `spindle asap-demo`: on a constraint small enough to enumerate, prints the exact distribution of the model's output
/// conditioned on the constraint, then KL(exact ‖ empirical) as samples accumulate for grammar-aligned sampling (ASAp)
/// and for plain masking (GCD), both at temperature 1. ASAp's KL falls towards 0; masking's stays at its bias.
/// </summary>
internal static class AsapDemoCommand
{
    private static readonly string[] DefaultChoices = [" girl", " dog", " cat"];

    public static Command Create(CliContext context)
    {
        var model = ModelCommandOptions.Model();
        var prompt = new Option<string>("--prompt", "-p") { Description = "Text the constrained output follows", DefaultValueFactory = _ => "Once upon a time, there was a little" };
        var samples = NumericOption.Int("--samples", "Samples per method", NumericRange.Integers(1, 10_000_000), 2000, "-s");
        var seed = NumericOption.UInt64("--seed", "Seed of both samplers", 1);
        var maxTokens = NumericOption.Int("--max-tokens", "Longest token sequence to enumerate", NumericRange.Integers(1, 256), 16);
        var threads = ModelCommandOptions.Threads();
        var constraint = new ConstraintFlags();

        var command = new Command("asap-demo", "KL to the exact grammar-conditioned distribution: grammar-aligned sampling (ASAp) vs plain masking, on a small constraint (default --choice ' girl, dog, cat')");
        foreach (var o in new Option[] { model, prompt, samples, seed, maxTokens, threads }) command.Options.Add(o);
        foreach (var o in constraint.All) command.Options.Add(o);
        command.SetAction(parse =>
        {
            int count = parse.GetValue(samples);
            int limit = parse.GetValue(maxTokens);
            var spec = constraint.Parse(parse) ?? ConstraintSpec.Choice(DefaultChoices);
            using var spindle = ModelCommandOptions.LoadSpindle(parse.GetValue(model), parse.GetValue(threads));
            ConstraintFlags.Validate(spindle, spec);
            var grammar = spec.Compile(spindle.Grammars);
            int[] promptTokens = spindle.EncodePrompt(parse.GetRequiredValue(prompt));
            var lm = new ModelTokenDistribution(spindle.Model, promptTokens, maxCachedRows: 8192);
            ExactGrammarDistribution exact;
            try
            {
                exact = ExactGrammarDistribution.Enumerate(lm, grammar, spindle.ConstraintTrie, limit, 100_000);
            }
            catch (InvalidOperationException ex)
            {
                throw new CliException($"cannot enumerate the constraint: {ex.Message}");
            }

            // Outcomes are texts: several token sequences can spell one text, and the comparison is about the text.
            var index = new Dictionary<string, int>(StringComparer.Ordinal);
            var probabilities = new List<double>();
            var texts = new List<string>();
            for (int i = 0; i < exact.Sequences.Count; i++)
            {
                string text = TextOf(spindle, exact.Sequences[i].Tokens);
                if (!index.TryGetValue(text, out int at))
                {
                    index[text] = at = probabilities.Count;
                    probabilities.Add(0);
                    texts.Add(text);
                }
                probabilities[at] += exact.ConditionalProbability(i);
            }
            var inv = CultureInfo.InvariantCulture;
            var o = context.Out;
            o.WriteLine(string.Create(inv, $"constraint {spec}; {exact.Sequences.Count} token sequences, {texts.Count} texts; P(output in grammar) = {exact.GrammarProbability:E3}"));
            for (int i = 0; i < texts.Count; i++) o.WriteLine(string.Create(inv, $"  exact P({Quote(texts[i])} | grammar) = {probabilities[i]:F4}"));

            var checkpoints = Checkpoints(count);
            double[] p = [.. probabilities];
            var asapState = new AsapState();
            var asap = new AsapSampler(lm, grammar, spindle.ConstraintTrie, new AsapSamplerOptions { Seed = parse.GetValue(seed), Alignment = asapState, MaxTokens = limit });
            var gcd = new AsapSampler(lm, grammar, spindle.ConstraintTrie, new AsapSamplerOptions { Seed = parse.GetValue(seed), MaxTokens = limit });
            var asapCounts = new int[p.Length];
            var gcdCounts = new int[p.Length];
            o.WriteLine($"{"samples",8}  {"KL ASAp",10}  {"KL GCD",10}");
            int drawn = 0;
            foreach (int checkpoint in checkpoints)
            {
                for (; drawn < checkpoint; drawn++)
                {
                    Count(spindle, index, asapCounts, asap.Sample());
                    Count(spindle, index, gcdCounts, gcd.Sample());
                }
                o.WriteLine(string.Create(inv, $"{checkpoint,8}  {EmpiricalDivergence.KlFromCounts(p, asapCounts),10:F5}  {EmpiricalDivergence.KlFromCounts(p, gcdCounts),10:F5}"));
            }
            for (int i = 0; i < texts.Count; i++)
                o.WriteLine(string.Create(inv, $"  {Quote(texts[i])}: exact {probabilities[i]:F4}  ASAp {asapCounts[i] / (double)count:F4}  GCD {gcdCounts[i] / (double)count:F4}"));
            context.Error.WriteLine(string.Create(inv, $"asap-demo: {lm.EvaluationCount} forward passes, ASAp trie {asapState.NodeCount} prefixes, bound on P(grammar) {asapState.GrammarProbabilityBound:E3}"));
            return 0;
        });
        return command;
    }

    /// <summary>1, 3, 10, 30, … up to <paramref name="count"/>, which is always last.</summary>
    private static List<int> Checkpoints(int count)
    {
        var list = new List<int>();
        for (long decade = 10; decade / 10 < count; decade *= 10)
        {
            if (decade / 10 < count) list.Add((int)(decade / 10));
            if (decade * 3 / 10 < count) list.Add((int)(decade * 3 / 10));
        }
        list.Add(count);
        return list;
    }

    private static void Count(SpindleModel spindle, Dictionary<string, int> index, int[] counts, int[] sample)
    {
        string text = TextOf(spindle, sample);
        if (!index.TryGetValue(text, out int at))
            throw new CliException($"internal error: a sample '{text}' is not among the enumerated outputs (cut at --max-tokens?)");
        counts[at]++;
    }

    private static string TextOf(SpindleModel spindle, int[] tokens)
    {
        var s = new StringBuilder();
        foreach (int t in tokens)
            if (!spindle.Vocabulary.IsEndOfGeneration(t)) s.Append(Encoding.UTF8.GetString(spindle.Tokenizer.TokenToPiece(t, special: false)));
        return s.ToString();
    }

    private static string Quote(string text) => Inspection.MetadataText.Quote(text, int.MaxValue);
}
