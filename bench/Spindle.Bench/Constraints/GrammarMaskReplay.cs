using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Spindle.Constraints;
using Spindle.Constraints.FrontEnds;
using Spindle.Constraints.JsonSchema.Compilation;
using Spindle.Constraints.Parsing;
using Spindle.Constraints.Vocabulary;
using Spindle.Gguf;
using Spindle.Tokenization;

namespace Spindle.Bench.Constraints;

/// <summary>
/// `dotnet run -c Release --project bench/Spindle.Bench -- grammar-mask [DOCS] [VOCAB.gguf] [per-char]`: replays the valid test
/// documents of the first DOCS (default 300) shared/jsonschema/maskbench files (ordinal file-name order), each
/// serialized as Python's json.dumps would (", " and ": " separators, UTF-8 kept) and tokenized with the vocabulary
/// (default llama-spm; its encoder prefixes a space, so the grammar allows leading whitespace), through a JSON GBNF grammar; times ComputeMask at every step, single thread. Reports time to
/// first mask (grammar compile + matcher + first mask, cold lexer), then avg / p50 / p99 / max µs per mask.
/// </summary>
internal static class GrammarMaskReplay
{
    public static int Run(string[] args)
    {
        int docLimit = args.Length > 0 ? int.Parse(args[0]) : 300;
        string shared = FindShared();
        string vocabPath = Path.Combine(shared, "vocab", args.Length > 1 ? args[1] : "ggml-vocab-llama-spm.gguf");
        Tokenizer tokenizer;
        using (var file = GgufFile.Open(vocabPath)) tokenizer = Tokenizer.FromGguf(file);
        long t0 = Stopwatch.GetTimestamp();
        var vocabulary = new TokenizerConstraintVocabulary(tokenizer);
        var trie = new TokenTrie(vocabulary);
        double trieMs = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;

        var documents = LoadDocuments(Path.Combine(shared, "jsonschema", "maskbench"), docLimit);
        var mask = new TokenMask(vocabulary.TokenCount);

        long c0 = Stopwatch.GetTimestamp();
        bool perCharacter = args.Length > 2 && args[2] == "per-char";
        var grammar = new CompiledGrammar(GbnfGrammar.Parse(JsonGbnf.Text, perCharacter));
        var first = new Matcher(grammar, trie);
        first.ComputeMask(mask);
        double firstMaskMs = Stopwatch.GetElapsedTime(c0).TotalMilliseconds;

        // Same again with the JIT warm: what a new grammar costs a server that is already running.
        long w0 = Stopwatch.GetTimestamp();
        var fresh = new CompiledGrammar(GbnfGrammar.Parse(JsonGbnf.Text, perCharacter));
        new Matcher(fresh, trie).ComputeMask(mask);
        double warmFirstMaskMs = Stopwatch.GetElapsedTime(w0).TotalMilliseconds;

        var times = new List<double>(100_000);
        var slowest = new List<(double Us, string Context, int Allowed)>();
        var firstMaskPerDoc = new List<double>();
        long allowedTotal = 0;
        int skipped = 0;
        foreach (string doc in documents)
        {
            int[] ids = tokenizer.Encode(doc);
            var m = new Matcher(grammar, trie);
            bool ok = true;
            for (int i = 0; i <= ids.Length && ok; i++)
            {
                long s = Stopwatch.GetTimestamp();
                m.ComputeMask(mask);
                double us = Stopwatch.GetElapsedTime(s).TotalMicroseconds;
                times.Add(us);
                if (us > 2000 && slowest.Count < 12)
                    slowest.Add((us, tokenizer.Decode(ids.AsSpan(Math.Max(0, i - 8), Math.Min(i, 8))) + " ⟂ " + (i < ids.Length ? tokenizer.Decode(ids.AsSpan(i, 1)) : "EOS"), mask.Count()));
                if (i == 0) firstMaskPerDoc.Add(us);
                allowedTotal += mask.Count();
                if (i < ids.Length) ok = mask[ids[i]] && m.TryAccept(ids[i]);
            }
            if (!ok || !m.IsAccepting) skipped++;
        }
        times.Sort();
        if (Environment.GetEnvironmentVariable("SPINDLE_MASK_SLOW") == "1")
            foreach (var (us, context, allowed) in slowest) Console.WriteLine($"  slow mask {us:F0} µs, {allowed} allowed, at …{context}");
        double avg = times.Average();
        Console.WriteLine($"vocab {Path.GetFileName(vocabPath)}: {vocabulary.TokenCount} tokens, trie {trie.NodeCount:N0} nodes built in {trieMs:F1} ms");
        Console.WriteLine($"grammar: {grammar.Grammar.Lexemes.Count} lexemes, {grammar.Grammar.Rules.Count} rules; after replay: {grammar.Lexer.StateCount} lexer DFA states, {grammar.TokenCacheFor(trie).Count} cached token masks");
        Console.WriteLine($"time to first mask (parse + compile + matcher + mask): {firstMaskMs:F2} ms cold process, {warmFirstMaskMs:F2} ms with JIT warm; first mask of a new sequence on a cached grammar: avg {firstMaskPerDoc.Average():F1} µs");
        Console.WriteLine($"{documents.Count} documents, {times.Count:N0} masks ({skipped} documents rejected), avg allowed tokens {allowedTotal / (double)times.Count:F0}");
        Console.WriteLine($"µs per mask: avg {avg:F1}, p50 {Percentile(times, 0.50):F1}, p90 {Percentile(times, 0.90):F1}, p99 {Percentile(times, 0.99):F1}, max {times[^1]:F1}");
        Console.WriteLine($"{Environment.ProcessorCount} logical CPUs, .NET {Environment.Version}, {DateTime.UtcNow:yyyy-MM-dd}");
        return skipped == 0 ? 0 : 1;
    }

    private static double Percentile(List<double> sorted, double p) => sorted[Math.Min(sorted.Count - 1, (int)(p * sorted.Count))];

    private static List<string> LoadDocuments(string directory, int limit)
    {
        var files = Directory.GetFiles(directory, "*.json");
        Array.Sort(files, StringComparer.Ordinal);
        var docs = new List<string>();
        foreach (string path in files.Take(limit))
        {
            using var json = JsonDocument.Parse(File.ReadAllBytes(path));
            if (!json.RootElement.TryGetProperty("tests", out var tests)) continue;
            foreach (var test in tests.EnumerateArray())
                if (test.GetProperty("valid").GetBoolean()) docs.Add(Dumps(test.GetProperty("data")));
        }
        return docs;
    }

    /// <summary>Python json.dumps layout: ", " and ": " separators, no newlines, UTF-8 kept.</summary>
    private static string Dumps(JsonElement e) => JsonText.SerializeSpaced(e);

    private static string FindShared()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Spindle.slnx"))) return Path.GetFullPath(Path.Combine(dir.FullName, "..", "shared"));
        throw new DirectoryNotFoundException("Spindle.slnx not found");
    }
}
