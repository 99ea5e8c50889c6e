using System.Diagnostics;
using System.Text;
using Spindle.Gguf;
using Spindle.Tokenization;

namespace Spindle.Bench;

/// <summary>
/// `dotnet run -c Release --project bench/Spindle.Bench -- tokenizer [VOCAB.gguf...]`: single-thread encode throughput on
/// the first 8,000,000 bytes of shared/jsonschema/maskbench (all files concatenated in ordinal file-name order), median of
/// 5 runs, in MB/s (10^6 bytes of UTF-8 input per second). Names without a path are looked up in shared/vocab.
/// </summary>
internal static class TokenizerThroughput
{
    private const int InputByteLimit = 8_000_000;
    private const int Repetitions = 5;

    private static readonly string[] DefaultVocabularies =
        ["ggml-vocab-llama-spm.gguf", "ggml-vocab-gpt-2.gguf", "ggml-vocab-deepseek-llm.gguf"];

    public static int Run(string[] args)
    {
        string shared = FindShared();
        var (text, byteCount) = LoadCorpus(Path.Combine(shared, "jsonschema", "maskbench"));
        Console.WriteLine($"corpus: {byteCount:N0} bytes of UTF-8 ({text.Length:N0} chars) from jsonschema/maskbench; "
            + $"{Environment.ProcessorCount} logical CPUs, {RuntimeInfo()}");

        string[] vocabularies = args.Length > 0 ? args : DefaultVocabularies;
        foreach (string name in vocabularies)
        {
            string path = File.Exists(name) ? name : Path.Combine(shared, "vocab", name);
            Func<Tokenizer> load = () =>
            {
                using var file = GgufFile.Open(path);
                return Tokenizer.FromGguf(file);
            };
            try
            {
                load();
            }
            catch (NotSupportedException e)
            {
                Console.WriteLine($"{Path.GetFileName(path)}: skipped ({e.Message})");
                continue;
            }
            Measure(Path.GetFileName(path), load, text, byteCount);
        }
        return 0;
    }

    // Each repetition gets a freshly loaded tokenizer (load time not counted), so caches it fills while encoding
    // (the BPE word cache) start empty, as when a text is tokenized once.
    private static void Measure(string name, Func<Tokenizer> load, string text, int byteCount)
    {
        var ids = new List<int>(text.Length);
        var seconds = new double[Repetitions];
        var cpuSeconds = new double[Repetitions];
        using var process = Process.GetCurrentProcess();
        // JIT warm-up on a throwaway tokenizer with a text of other words than the measured corpus's head.
        load().Encode(text[^Math.Min(text.Length, 100_000)..], ids, addSpecial: false, parseSpecial: false);
        for (int r = 0; r < Repetitions; r++)
        {
            ids.Clear();
            var tokenizer = load();
            process.Refresh();
            TimeSpan cpuStart = process.TotalProcessorTime;
            long start = Stopwatch.GetTimestamp();
            tokenizer.Encode(text, ids, addSpecial: false, parseSpecial: false);
            seconds[r] = Stopwatch.GetElapsedTime(start).TotalSeconds;
            process.Refresh();
            cpuSeconds[r] = (process.TotalProcessorTime - cpuStart).TotalSeconds;
        }
        Array.Sort(seconds);
        Array.Sort(cpuSeconds);
        double median = seconds[Repetitions / 2];
        double cpuMedian = cpuSeconds[Repetitions / 2];
        // On a shared machine wall time includes waiting for a core; CPU time (all of the process's threads) does not.
        Console.WriteLine($"{name}: {byteCount / 1e6 / median:F2} MB/s wall (median of {Repetitions}: {median:F3} s; "
            + $"min {seconds[0]:F3} s, max {seconds[^1]:F3} s), {byteCount / 1e6 / cpuMedian:F2} MB/s of process CPU time "
            + $"(median {cpuMedian:F3} s), {ids.Count:N0} tokens");
    }

    // Concatenates the files' bytes up to the limit. If the limit falls inside a UTF-8 character, the cut moves back to
    // that character's first byte, so the text is slightly shorter than the limit rather than ending in a broken character.
    private static (string Text, int ByteCount) LoadCorpus(string directory)
    {
        string[] files = Directory.GetFiles(directory);
        Array.Sort(files, (a, b) => string.CompareOrdinal(Path.GetFileName(a), Path.GetFileName(b)));
        var buffer = new byte[InputByteLimit + 4];
        int length = 0;
        foreach (string file in files)
        {
            if (length >= buffer.Length) break;
            using var stream = File.OpenRead(file);
            int read;
            while (length < buffer.Length && (read = stream.Read(buffer, length, buffer.Length - length)) > 0) length += read;
        }
        int cut = Math.Min(length, InputByteLimit);
        if (length > cut)
        {
            while (cut > 0 && (buffer[cut] & 0xC0) == 0x80) cut--; // buffer[cut] is the first byte left out
        }
        string text = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(buffer, 0, cut);
        return (text, cut);
    }

    private static string RuntimeInfo() => System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription;

    private static string FindShared()
    {
        string? env = Environment.GetEnvironmentVariable("SPINDLE_SHARED");
        if (!string.IsNullOrEmpty(env)) return env;
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Spindle.slnx"))) return Path.Combine(dir.FullName, "..", "shared");
        }
        throw new DirectoryNotFoundException("repository root (Spindle.slnx) not found; set SPINDLE_SHARED");
    }
}
