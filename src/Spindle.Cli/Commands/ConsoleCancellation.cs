namespace Spindle.Cli.Commands;

/// <summary>
/// Ctrl-C as a cancellation token while a reply is being generated: the key press cancels the current token source
/// instead of killing the process (e.Cancel = true). Only hooked when the command runs on the real console; tests that
/// run commands in-process never touch the process-wide handler.
/// </summary>
internal sealed class ConsoleCancellation : IDisposable
{
    private readonly bool _hooked;
    // Replaced, never disposed, after a cancellation: the handler may still be reading the old one on its own thread.
    private volatile CancellationTokenSource _source = new();

    public ConsoleCancellation(CliContext context)
    {
        if (!ReferenceEquals(context.Out, Console.Out)) return;
        Console.CancelKeyPress += OnCancelKeyPress;
        _hooked = true;
    }

    /// <summary>When set, Ctrl-C outside a reply (<see cref="Active"/> false) ends the process as usual.</summary>
    public bool Active { get; set; } = true;

    public CancellationToken Token => _source.Token;

    /// <summary>A fresh token for the next reply, once the previous one was cancelled.</summary>
    public void Renew()
    {
        if (_source.IsCancellationRequested) _source = new CancellationTokenSource();
    }

    private void OnCancelKeyPress(object? sender, ConsoleCancelEventArgs e)
    {
        if (!Active) return;
        e.Cancel = true;
        _source.Cancel();
    }

    public void Dispose()
    {
        if (_hooked) Console.CancelKeyPress -= OnCancelKeyPress;
    }
}
