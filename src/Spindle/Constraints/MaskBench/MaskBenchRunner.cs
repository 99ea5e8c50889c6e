using System.Diagnostics;
using System.Text.Json;
using Spindle.Constraints.JsonSchema.Compilation;
using Spindle.Constraints.Parsing;
using Spindle.Constraints.Vocabulary;
using Spindle.Tokenization;

namespace Spindle.Constraints.MaskBench;

/// <summary>
/// Replays MaskBench files ({schema, tests: [{valid, data}]}) through <see cref="JsonSchemaCompiler"/> and
/// <see cref="Matcher"/>, single-threaded. Per schema: compile + first mask is timed (TTFM, no grammar cache). Each test
/// instance is serialized compactly with <see cref="JsonText"/> (no whitespace, UTF-8 kept, properties in instance
/// order, numbers as written) and tokenized without special tokens. A valid instance must have every token in the mask
/// computed before it (each mask timed: TBM) and end where EOS is allowed; an invalid one must be rejected at some token
/// or at EOS. Exceptions while compiling or computing the first mask count as compile errors.
/// </summary>
public sealed class MaskBenchRunner(Tokenizer tokenizer, JsonSchemaCompilerOptions? options = null)
{
    private readonly TokenizerConstraintVocabulary _vocabulary = new(tokenizer);
    private TokenTrie? _trie;
    private TokenMask? _mask;

    public JsonSchemaCompilerOptions Options { get; } = options ?? JsonSchemaCompilerOptions.Default;

    /// <summary>The *.json files under <paramref name="paths"/> (files or folders), in ordinal order per folder.</summary>
    public static List<string> ExpandPaths(IEnumerable<string> paths)
    {
        var files = new List<string>();
        foreach (string path in paths)
        {
            if (Directory.Exists(path))
            {
                var inFolder = Directory.GetFiles(path, "*.json", SearchOption.AllDirectories);
                Array.Sort(inFolder, StringComparer.Ordinal);
                files.AddRange(inFolder);
            }
            else if (File.Exists(path)) files.Add(path);
            else throw new FileNotFoundException($"no such file or folder: {path}", path);
        }
        return files;
    }

    public MaskBenchReport Run(IEnumerable<string> files, int limit = int.MaxValue)
    {
        var report = new MaskBenchReport();
        foreach (string file in files)
        {
            if (report.Schemas >= limit) break;
            report.Outcomes.Add(RunFile(file, report));
        }
        return report;
    }

    public MaskBenchOutcome RunFile(string file, MaskBenchReport report)
    {
        string name = Path.GetFileNameWithoutExtension(file);
        using var doc = JsonDocument.Parse(File.ReadAllBytes(file));
        var root = doc.RootElement;
        var schema = root.TryGetProperty("schema", out var s) ? s : root;
        var tests = root.TryGetProperty("tests", out var t) && t.ValueKind == JsonValueKind.Array ? t : default;
        bool hasTests = tests.ValueKind == JsonValueKind.Array && tests.GetArrayLength() > 0;
        return RunSchema(name, schema, hasTests ? tests : default, report);
    }

    public MaskBenchOutcome RunSchema(string name, JsonElement schema, JsonElement tests, MaskBenchReport report)
    {
        _trie ??= new TokenTrie(_vocabulary);
        _mask ??= new TokenMask(_vocabulary.TokenCount);
        bool hasTests = tests.ValueKind == JsonValueKind.Array;
        CompiledGrammar grammar;
        double ttfm;
        long start = Stopwatch.GetTimestamp();
        try
        {
            grammar = new CompiledGrammar(JsonSchemaCompiler.Compile(schema, Options));
            new Matcher(grammar, _trie).ComputeMask(_mask);
            ttfm = Stopwatch.GetElapsedTime(start).TotalMicroseconds;
        }
        catch (Exception e) when (e is JsonSchemaCompileException or GrammarException or JsonException or InvalidOperationException)
        {
            return new MaskBenchOutcome(name, MaskBenchStatus.CompileError, hasTests, e.Message, 0);
        }
        report.TtfmMicroseconds.Add(ttfm);
        if (!hasTests) return new MaskBenchOutcome(name, MaskBenchStatus.Passing, false, null, ttfm);

        int index = 0;
        foreach (var test in tests.EnumerateArray())
        {
            index++;
            bool valid = test.GetProperty("valid").GetBoolean();
            string text = JsonText.Serialize(test.GetProperty("data"));
            int[] ids = tokenizer.Encode(text, addSpecial: false, parseSpecial: false);
            report.Tokens += ids.Length;
            string? failure;
            try
            {
                failure = valid ? ReplayValid(grammar, ids, report) : (ReplayInvalid(grammar, ids) ? null : "accepted");
            }
            catch (GrammarException e)
            {
                failure = e.Message;
            }
            if (failure is null) continue;
            if (valid)
            {
                // Under schema order, say so when the key order is the only reason for the rejection.
                bool orderOnly = false;
                if (Options.PropertyOrder == PropertyOrder.Schema)
                {
                    string reordered = SchemaOrder.Serialize(test.GetProperty("data"), schema, schema);
                    orderOnly = reordered != text && ReplayValid(grammar, tokenizer.Encode(reordered, false, false), new MaskBenchReport()) is null;
                }
                return new MaskBenchOutcome(name, MaskBenchStatus.ValidationError, true,
                    $"{(orderOnly ? "property order differs from schema order; " : "")}test {index} ({Shorten(text)}): {failure}", ttfm)
                { PropertyOrderOnly = orderOnly };
            }
            return new MaskBenchOutcome(name, MaskBenchStatus.InvalidationError, true, $"test {index} ({Shorten(text)}) accepted", ttfm);
        }
        return new MaskBenchOutcome(name, MaskBenchStatus.Passing, true, null, ttfm);
    }

    /// <summary>Null when every token is allowed and EOS is allowed at the end; otherwise where it failed.</summary>
    private string? ReplayValid(CompiledGrammar grammar, int[] ids, MaskBenchReport report)
    {
        var matcher = new Matcher(grammar, _trie!);
        var mask = _mask!;
        for (int i = 0; i <= ids.Length; i++)
        {
            long t0 = Stopwatch.GetTimestamp();
            matcher.ComputeMask(mask);
            report.TbmMicroseconds.Add(Stopwatch.GetElapsedTime(t0).TotalMicroseconds);
            if (i == ids.Length) break;
            if (!mask[ids[i]])
                return $"token {i} ({Shorten(tokenizer.Decode(ids.AsSpan(i, 1)))}) after '{Shorten(tokenizer.Decode(ids.AsSpan(0, i)))}' not in mask";
            if (!matcher.TryAccept(ids[i])) return $"token {i} in mask but TryAccept refused it";
        }
        int eos = _vocabulary.EosId;
        bool endOk = eos >= 0 ? mask[eos] : matcher.IsAccepting;
        return endOk ? null : "EOS not allowed at the end";
    }

    /// <summary>True when the instance is rejected at some token or at its end.</summary>
    private bool ReplayInvalid(CompiledGrammar grammar, int[] ids)
    {
        var matcher = new Matcher(grammar, _trie!);
        foreach (int id in ids)
            if (!matcher.TryAccept(id)) return true;
        return !matcher.IsAccepting;
    }

    private static string Shorten(string s) => s.Length <= 80 ? s : s[..77] + "...";
}
