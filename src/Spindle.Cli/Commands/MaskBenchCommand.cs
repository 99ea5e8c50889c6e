using System.CommandLine;
using Spindle.Cli.Options;
using System.Globalization;
using System.Text.Json;
using Spectre.Console;
using Spindle.Cli.Inspection;
using Spindle.Constraints.JsonSchema.Compilation;
using Spindle.Constraints.MaskBench;

namespace Spindle.Cli.Commands;

/// <summary>
/// `spindle maskbench --vocab VOCAB.gguf [--json] [--limit N] [--compact] [--schema-order] PATH...`: replays MaskBench schema files
/// (or folders of them) through the JSON Schema compiler and the token-mask engine, single-threaded, and reports
/// passing / compile error / validation error / invalidation error counts with TBM and TTFM percentiles. With the root
/// --verbose flag, every failing schema is listed with its reason.
/// </summary>
internal static class MaskBenchCommand
{
    public static Command Create(CliContext context)
    {
        var vocab = new Option<string>("--vocab") { Description = "GGUF file whose tokenizer tokenizes the instances", Required = true };
        var json = new Option<bool>("--json") { Description = "Print one JSON object with the counts and timings" };
        var limit = NumericOption.OptionalInt("--limit", "Replay at most this many schema files", NumericRange.Integers(1, 100_000_000));
        var compact = new Option<bool>("--compact") { Description = "Compile without whitespace inside values" };
        var schemaOrder = new Option<bool>("--schema-order") { Description = "Accept declared properties only in schema order (default: any order)" };
        var paths = new Argument<string[]>("PATH") { Description = "MaskBench .json files or folders of them", Arity = ArgumentArity.OneOrMore };

        var command = new Command("maskbench", "Replay MaskBench JSON Schema tests through the constrained-decoding engine");
        command.Options.Add(vocab);
        command.Options.Add(json);
        command.Options.Add(limit);
        command.Options.Add(compact);
        command.Options.Add(schemaOrder);
        command.Arguments.Add(paths);
        command.SetAction(parse =>
        {
            int max = parse.GetValue(limit) ?? int.MaxValue;
            List<string> files;
            try
            {
                files = MaskBenchRunner.ExpandPaths(parse.GetRequiredValue(paths));
            }
            catch (FileNotFoundException e)
            {
                throw new CliException(e.Message);
            }
            if (files.Count == 0) throw new CliException("no .json files found");
            var tokenizer = TokenizerFiles.Load(parse.GetRequiredValue(vocab));
            var runner = new MaskBenchRunner(tokenizer, new JsonSchemaCompilerOptions
            {
                CompactWhitespace = parse.GetValue(compact),
                PropertyOrder = parse.GetValue(schemaOrder) ? PropertyOrder.Schema : PropertyOrder.Any,
            });
            var report = Run(runner, files, max);
            bool verbose = parse.GetValue<bool>("--verbose");
            if (verbose)
                foreach (var o in report.Outcomes)
                    if (o.Status != MaskBenchStatus.Passing) context.Error.WriteLine($"{o.Status}\t{TerminalText.Escape(o.Name)}\t{TerminalText.Escape(o.Reason ?? "")}");
            if (parse.GetValue(json)) WriteJson(context.Out, report);
            else WriteTable(context, report);
            return 0;
        });
        return command;
    }

    /// <summary>
    /// Replays the files in order; a file that is not a MaskBench document (not JSON, or JSON of another shape) stops the
    /// run with its name, since the counts would otherwise mean something other than what was asked.
    /// </summary>
    private static MaskBenchReport Run(MaskBenchRunner runner, List<string> files, int limit)
    {
        var report = new MaskBenchReport();
        foreach (string file in files)
        {
            if (report.Schemas >= limit) break;
            if (new FileInfo(file).Length > MaxFileBytes)
                throw new CliException($"{file} has {new FileInfo(file).Length} bytes; a MaskBench file may have at most {MaxFileBytes}");
            try
            {
                report.Outcomes.Add(runner.RunFile(file, report));
            }
            catch (JsonException e)
            {
                throw new CliException($"{file} is not a MaskBench file: not valid JSON{(e.LineNumber is long line ? $" at line {line + 1}, column {e.BytePositionInLine + 1}" : "")}");
            }
            catch (Exception e) when (e is InvalidOperationException or KeyNotFoundException)
            {
                // JsonElement's accessors on a value of another kind (an array where the object should be), or a test
                // without "valid" or "data".
                throw new CliException($"{file} is not a MaskBench file: expected an object {{\"schema\": ..., \"tests\": [{{\"valid\", \"data\"}}]}} or a bare schema");
            }
        }
        return report;
    }

    /// <summary>64 MiB: the largest MaskBench file is under 1 MiB.</summary>
    private const long MaxFileBytes = 64L << 20;

    private static void WriteJson(TextWriter output, MaskBenchReport report)
    {
        var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteNumber("schemas", report.Schemas);
            w.WriteNumber("schemas_with_tests", report.SchemasWithTests);
            w.WriteNumber("passing", report.Count(MaskBenchStatus.Passing));
            w.WriteNumber("passing_with_tests", report.PassingWithTests);
            w.WriteNumber("compile_error", report.Count(MaskBenchStatus.CompileError));
            w.WriteNumber("validation_error", report.Count(MaskBenchStatus.ValidationError));
            w.WriteNumber("validation_error_property_order", report.Outcomes.Count(o => o.PropertyOrderOnly));
            w.WriteNumber("invalidation_error", report.Count(MaskBenchStatus.InvalidationError));
            w.WriteNumber("tokens", report.Tokens);
            WriteSummary(w, "tbm_us", MaskBenchReport.Summary(report.TbmMicroseconds));
            WriteSummary(w, "ttfm_us", MaskBenchReport.Summary(report.TtfmMicroseconds));
            w.WriteEndObject();
        }
        output.WriteLine(System.Text.Encoding.UTF8.GetString(buffer.ToArray()));
    }

    private static void WriteSummary(Utf8JsonWriter w, string name, (double Avg, double P50, double P99) s)
    {
        w.WriteStartObject(name);
        w.WriteNumber("avg", Math.Round(s.Avg, 1));
        w.WriteNumber("p50", Math.Round(s.P50, 1));
        w.WriteNumber("p99", Math.Round(s.P99, 1));
        w.WriteEndObject();
    }

    private static void WriteTable(CliContext context, MaskBenchReport report)
    {
        var table = new Table().AddColumn("metric").AddColumn(new TableColumn("value").RightAligned());
        string F(double v) => v.ToString("N1", CultureInfo.InvariantCulture);
        string N(long v) => v.ToString("N0", CultureInfo.InvariantCulture);
        int withTests = report.SchemasWithTests;
        table.AddRow("schemas", N(report.Schemas));
        table.AddRow("schemas with tests", N(withTests));
        table.AddRow("passing", N(report.Count(MaskBenchStatus.Passing)));
        table.AddRow("passing (with tests)", withTests == 0 ? "0" : $"{N(report.PassingWithTests)} ({100.0 * report.PassingWithTests / withTests:F1}%)");
        table.AddRow("compile error", N(report.Count(MaskBenchStatus.CompileError)));
        table.AddRow("validation error", N(report.Count(MaskBenchStatus.ValidationError)));
        table.AddRow("  of which property order only", N(report.Outcomes.Count(o => o.PropertyOrderOnly)));
        table.AddRow("invalidation error", N(report.Count(MaskBenchStatus.InvalidationError)));
        table.AddRow("tokens", N(report.Tokens));
        var tbm = MaskBenchReport.Summary(report.TbmMicroseconds);
        var ttfm = MaskBenchReport.Summary(report.TtfmMicroseconds);
        table.AddRow("TBM avg / p50 / p99 (µs)", $"{F(tbm.Avg)} / {F(tbm.P50)} / {F(tbm.P99)}");
        table.AddRow("TTFM avg / p50 / p99 (µs)", $"{F(ttfm.Avg)} / {F(ttfm.P50)} / {F(ttfm.P99)}");
        context.CreateConsole().Write(table);
    }
}
