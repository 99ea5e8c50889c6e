namespace Spindle.Cli.Commands;

/// <summary>
/// Ctrl-C as a cancellation token while a reply is being generated: the key press cancels the current token source
/// instead of killing the process (e.Cancel = true). Only hooked when the command runs on the real console; tests that
/// run commands in-process never touch the process-wide handler.
/// <para>
/// Outside a reply (<see cref="Active"/> false: a chat waiting at its prompt) the first Ctrl-C only prints how to leave,
/// and a second one within <see cref="ExitWindow"/> ends the process as usual. A Ctrl-C meant for a reply that ended a
/// moment earlier therefore never ends the conversation.
/// </para>
/// </summary>
internal sealed class ConsoleCancellation : IDisposable
{
    public static readonly TimeSpan ExitWindow = TimeSpan.FromSeconds(2);

    private readonly bool _hooked;
    private readonly CliContext _context;
    // Replaced, never disposed, after a cancellation: the handler may still be reading the old one on its own thread.
    private volatile CancellationTokenSource _source = new();
    private long _lastIdleInterrupt = long.MinValue / 2; // long ago, without overflowing the subtraction

    public ConsoleCancellation(CliContext context)
    {
        _context = context;
        if (!ReferenceEquals(context.Out, Console.Out)) return;
        Console.CancelKeyPress += OnCancelKeyPress;
        _hooked = true;
    }

    /// <summary>True while a reply runs: Ctrl-C cancels <see cref="Token"/>. False at a prompt: see the class remarks.</summary>
    public bool Active { get; set; } = true;

    public CancellationToken Token => _source.Token;

    /// <summary>
    /// True (the default): a second Ctrl-C during the same piece of work ends the process as usual, the way out of work
    /// that does not observe the token. A chat sets it false: there every Ctrl-C in a reply only stops that reply.
    /// </summary>
    public bool SecondInterruptExits { get; init; } = true;

    /// <summary>Printed again after the hint, so the screen shows where typing goes on.</summary>
    public string IdlePrompt { get; init; } = "";

    /// <summary>A fresh token for the next reply, once the previous one was cancelled.</summary>
    public void Renew()
    {
        if (_source.IsCancellationRequested) _source = new CancellationTokenSource();
    }

    private void OnCancelKeyPress(object? sender, ConsoleCancelEventArgs e)
    {
        if (Active)
        {
            // A second Ctrl-C after the first went unanswered (work that does not check the token) ends the process,
            // unless the caller keeps the process alive (a chat, whose conversation would be lost).
            if (_source.IsCancellationRequested && SecondInterruptExits) return;
            e.Cancel = true;
            _source.Cancel();
            return;
        }
        long now = Environment.TickCount64;
        if (now - Interlocked.Read(ref _lastIdleInterrupt) < (long)ExitWindow.TotalMilliseconds) return; // the second: exit
        Interlocked.Exchange(ref _lastIdleInterrupt, now);
        e.Cancel = true;
        _context.Error.WriteLine();
        _context.Error.WriteLine("(Ctrl-C again to quit; Ctrl-D or /exit also quit)");
        _context.Out.Write(IdlePrompt);
        _context.Out.Flush();
    }

    public void Dispose()
    {
        if (_hooked) Console.CancelKeyPress -= OnCancelKeyPress;
    }
}
