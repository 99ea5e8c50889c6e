using Spectre.Console;
using Spindle.Gguf;
using Spindle.Models.Quantization;
using Spindle.Tensors.Blocks;
namespace Spindle.Cli;

/// <summary>
/// Shows how far a model write has got on stderr: a Spectre.Console progress bar on a terminal, otherwise one plain
/// line per tensor (logs and pipes get no control characters).
/// </summary>
internal static class ModelWriteProgress
{
    public static void Run(CliContext context, string description, Action<IModelWriteObserver> work)
    {
        bool terminal = ReferenceEquals(context.Error, Console.Error) && !Console.IsErrorRedirected;
        if (!terminal)
        {
            work(new LineObserver(context.Error));
            return;
        }
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.Detect,
            ColorSystem = ColorSystemSupport.Detect,
            Out = new AnsiConsoleOutput(Console.Error),
        });
        console.Progress()
            .AutoClear(false)
            // Sized for an 80-column terminal: the description holds the current tensor, the bar the whole file.
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn { Width = 24 },
                new PercentageColumn(), new RemainingTimeColumn())
            .Start(ctx => work(new BarObserver(ctx.AddTask(Markup.Escape(TerminalText.Escape(description)), maxValue: 1))));
    }

    private sealed class BarObserver(ProgressTask task) : IModelWriteObserver
    {
        private const int NameWidth = 26;

        public void TensorStarted(int index, int count, GgufTensorDescriptor target, GgmlType sourceType)
        {
            string safe = TerminalText.Escape(target.Name);
            string name = safe.Length > NameWidth ? safe[..(NameWidth - 1)] + "…" : safe.PadRight(NameWidth);
            string position = $"{index + 1}/{count}".PadLeft(2 * count.ToString().Length + 1);
            task.Description = Markup.Escape($"{position} {name} {GgmlTypeInfo.Name(target.Type),-6}");
        }

        public void Progressed(long elementsDone, long totalElements)
        {
            task.MaxValue = Math.Max(1, totalElements);
            task.Value = elementsDone;
        }
    }

    private sealed class LineObserver(TextWriter error) : IModelWriteObserver
    {
        public void TensorStarted(int index, int count, GgufTensorDescriptor target, GgmlType sourceType)
        {
            int width = count.ToString().Length;
            string index1 = (index + 1).ToString().PadLeft(width);
            error.WriteLine($"[{index1}/{count}] {TerminalText.Escape(target.Name),-32} {GgmlTypeInfo.Name(sourceType),-6} -> {GgmlTypeInfo.Name(target.Type),-6} [{string.Join(", ", target.Dimensions)}]");
        }

        public void Progressed(long elementsDone, long totalElements) { }
    }
}
