using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Text;
using Spindle.Gguf;
using Spindle.Tokenization;

namespace Spindle.Tests.Tokenization;

/// <summary>
/// Throwaway single-thread throughput harness; it asserts nothing about time and is skipped unless SPINDLE_PERF=1:
/// <c>SPINDLE_PERF=1 dotnet test tests/Spindle.Tests -c Release --filter "Category=Perf" --logger "console;verbosity=detailed"</c>.
/// Input: the first 8,000,000 bytes of shared/jsonschema/maskbench/* concatenated in ordinal file-name order.
/// </summary>
[Trait("Category", "Perf")]
public class BpeThroughputTests(ITestOutputHelper output)
{
    private const int InputBytes = 8_000_000;

    [PerfTheory]
    [InlineData("gpt-2")]
    [InlineData("deepseek-llm")]
    public void Throughput(string name)
    {
        string text = LoadMaskbench();
        int byteCount = Encoding.UTF8.GetByteCount(text);

        Tokenizer Fresh()
        {
            using var file = GgufFile.Open(SharedData.PathOf("vocab", $"ggml-vocab-{name}.gguf"));
            return Tokenizer.FromGguf(file);
        }

        // Warm-up (JIT tiers, scratch buffers) on a tokenizer that is then dropped, so the timed one starts with an
        // empty word cache but steady-state code.
        var warmUp = Fresh();
        for (int i = 0; i < 2; i++) warmUp.Encode(text);
        Thread.Sleep(300);
        var tokenizer = Fresh();
        // CPU time of the process as well as wall time: the shared machine is often loaded far past its 2 cores.
        var process = Process.GetCurrentProcess();
        TimeSpan cpu0 = process.TotalProcessorTime;
        var sw = Stopwatch.StartNew();
        int[] cold = tokenizer.Encode(text);
        double coldSeconds = sw.Elapsed.TotalSeconds;
        process.Refresh();
        TimeSpan cpu1 = process.TotalProcessorTime;
        sw.Restart();
        int[] warm = tokenizer.Encode(text);
        double warmSeconds = sw.Elapsed.TotalSeconds;
        process.Refresh();
        TimeSpan cpu2 = process.TotalProcessorTime;
        string cpuLine = $"{name}: per CPU second: empty word cache {byteCount / 1e6 / (cpu1 - cpu0).TotalSeconds:F2} MB/s, "
            + $"filled word cache {byteCount / 1e6 / (cpu2 - cpu1).TotalSeconds:F2} MB/s";
        output.WriteLine(cpuLine);
        Console.WriteLine(cpuLine);

        Assert.Equal(cold, warm);

        // Pre-tokenization alone, to see where the time goes.
        var pre = Spindle.Tokenization.Bpe.PreTokenizers.Create(tokenizer.Vocabulary.Pre);
        var cps = new Spindle.Tokenization.Bpe.CodepointText();
        sw.Restart();
        cps.Load(text);
        double loadSeconds = sw.Elapsed.TotalSeconds;
        List<int> lengths = pre.Split(cps, new List<int>(), new List<int>());
        int words = lengths.Count;
        double splitSeconds = sw.Elapsed.TotalSeconds - loadSeconds;
        output.WriteLine($"{name}: decode+classify {loadSeconds:F3} s, split {splitSeconds:F3} s into {words} words");
        sw.Restart();
        int fragments = new SpecialTokenPartitioner(tokenizer.Vocabulary).Partition(text, parseSpecial: false).Count;
        Console.WriteLine($"{name}: special-token partition {sw.Elapsed.TotalSeconds:F3} s, {fragments} fragments");
        var distinct = new HashSet<string>();
        int longest = 0;
        for (int i = 0, p = 0; i < lengths.Count; p += lengths[i], i++)
        {
            distinct.Add(text[cps.CharStart[p]..cps.CharStart[p + lengths[i]]]);
            longest = Math.Max(longest, lengths[i]);
        }
        var encoder = new Spindle.Tokenization.Bpe.BpeWordEncoder(tokenizer.Vocabulary, new Spindle.Tokenization.Bpe.BpeMergeTable(tokenizer.Vocabulary));
        foreach (string w in distinct.Take(2000)) encoder.Encode(w, false);
        sw.Restart();
        foreach (string w in distinct) encoder.Encode(w, false);
        Console.WriteLine($"{name}: BPE of the distinct words alone {sw.Elapsed.TotalSeconds:F3} s");
        Console.WriteLine($"{name}: {distinct.Count} distinct words, longest {longest} code points");
        Console.WriteLine($"{name}: decode+classify {loadSeconds:F3} s, split {splitSeconds:F3} s into {words} words");
        string line = $"{name}: {byteCount / 1e6:F1} MB -> {cold.Length} tokens; empty word cache {byteCount / 1e6 / coldSeconds:F2} MB/s, "
            + $"filled word cache {byteCount / 1e6 / warmSeconds:F2} MB/s";
        output.WriteLine(line);
        Console.WriteLine(line);
    }

    private static string LoadMaskbench()
    {
        string[] files = Directory.GetFiles(SharedData.PathOf("jsonschema", "maskbench"));
        Array.Sort(files, StringComparer.Ordinal);
        var buffer = new MemoryStream(InputBytes);
        foreach (string f in files)
        {
            byte[] bytes = File.ReadAllBytes(f);
            buffer.Write(bytes, 0, (int)Math.Min(bytes.Length, InputBytes - buffer.Length));
            if (buffer.Length >= InputBytes) break;
        }
        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }
}

/// <summary>A theory that runs only when SPINDLE_PERF=1, so CI does not spend a minute timing.</summary>
internal sealed class PerfTheoryAttribute : TheoryAttribute
{
    // xunit v3 reads the test's source location from the attribute's caller information.
    public PerfTheoryAttribute([CallerFilePath] string? sourceFilePath = null, [CallerLineNumber] int sourceLineNumber = -1)
        : base(sourceFilePath, sourceLineNumber)
    {
        if (Environment.GetEnvironmentVariable("SPINDLE_PERF") != "1") Skip = "timing harness: set SPINDLE_PERF=1 to run";
    }
}
