using Spectre.Console;
using Spindle.Gguf;
using Spindle.Models.Quantization;
using Spindle.Tensors;

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
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(),
                new ElapsedTimeColumn(), new RemainingTimeColumn())
            .Start(ctx => work(new BarObserver(ctx.AddTask(Markup.Escape(description), maxValue: 1), description)));
    }

    private sealed class BarObserver(ProgressTask task, string description) : IModelWriteObserver
    {
        public void TensorStarted(int index, int count, GgufTensorDescriptor target, GgmlType sourceType) =>
            task.Description = Markup.Escape($"{description} [{index + 1}/{count}] {target.Name} → {GgmlTypeInfo.Name(target.Type)}");

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
            error.WriteLine($"[{index1}/{count}] {target.Name,-32} {GgmlTypeInfo.Name(sourceType),-6} -> {GgmlTypeInfo.Name(target.Type),-6} [{string.Join(", ", target.Dimensions)}]");
        }

        public void Progressed(long elementsDone, long totalElements) { }
    }
}
