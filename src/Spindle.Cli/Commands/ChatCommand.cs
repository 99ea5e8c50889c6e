using System.CommandLine;
using System.Text;
using Spindle.Chat;
using Spindle.Cli.Options;
using Spindle.Generation;

namespace Spindle.Cli.Commands;

/// <summary>
/// `spindle chat`: an interactive conversation through the model's chat template (ChatML when the file has none).
/// The history is kept across turns and the KV cache is reused for the part of the new prompt that extends the old one.
/// Commands: /reset (forget the conversation), /system TEXT (set the system prompt), /exit; Ctrl-D (end of input) also
/// exits. Ctrl-C at any moment of a turn (while the prompt is prepared, waits for the model, is evaluated or the reply
/// is written) stops that reply only and returns to the prompt with the conversation kept; at the prompt, Ctrl-C twice
/// quits. A turn the chat template refuses or that no longer fits the context is reported and dropped; the chat goes on,
/// and its exit status is 1 if any turn failed that way. Text from the model (its name in the banner, the replies) is
/// shown with control characters escaped on a terminal (<see cref="CliContext.WriteGenerated"/>). Every reply carries the
/// --watermark, when one is given (<see cref="WatermarkFlags"/>).
/// </summary>
internal static class ChatCommand
{
    public const string Prompt = "> ";

    public static Command Create(CliContext context)
    {
        var model = ModelCommandOptions.Model();
        var maxTokens = NumericOption.Int("--n-predict", "Most tokens per reply (−1: until end of generation or a full context)",
            NumericRange.Integers(0, ModelCommandOptions.MaxContextLength, -1), -1, "-n");
        var system = new Option<string?>("--system", "-sys") { Description = "System prompt to start with" };
        var templateFile = ChatTemplateFile.Create();
        var threads = ModelCommandOptions.Threads();
        var contextSize = ModelCommandOptions.ContextSize();
        var tokenizer = ModelCommandOptions.Tokenizer();
        var cacheTypes = new CacheTypeOptions();
        var stats = new Option<bool>("--stats") { Description = "Print tokens/s and reused cache tokens after each reply (stderr)" };
        var sampling = new SamplingFlags();
        var watermark = WatermarkFlags.ForGeneration();

        var command = new Command("chat", "Chat with a model interactively (/reset, /system TEXT, /exit; Ctrl-C stops a reply)");
        foreach (var o in new Option[] { model, maxTokens, system, templateFile, threads, contextSize, stats, tokenizer }) command.Options.Add(o);
        foreach (var o in sampling.All) command.Options.Add(o);
        foreach (var o in watermark.All) command.Options.Add(o);
        foreach (var o in cacheTypes.All) command.Options.Add(o);
        command.SetAction(parse =>
        {
            int n = parse.GetValue(maxTokens);
            var options = new GenerationOptions { MaxTokens = n < 0 ? int.MaxValue : n, Sampling = sampling.Parse(parse) };
            var watermarkSelection = watermark.Parse(parse);
            if (watermarkSelection is not null) options = options with { Watermark = watermarkSelection.Options };
            WatermarkFlags.Check(options, context.Error);
            string? template = ChatTemplateFile.Read(parse.GetValue(templateFile));
            using var spindle = ModelCommandOptions.LoadSpindle(parse.GetValue(model), parse.GetValue(threads), parse.GetValue(contextSize), template, parse.GetValue(tokenizer), cacheTypes.Parse(parse));
            using var proxyModel = watermarkSelection is null ? null
                : watermark.LoadProxy(watermarkSelection, spindle.Model.Config.VocabSize, spindle.Model.WorkerPool, parse.GetValue(threads));
            if (proxyModel is not null) options = options with { Watermark = ((Watermarking.Codable.CodableOptions)options.Watermark!) with { ProxyModel = proxyModel } };
            // Parsed now: a template that cannot parse can never render, so it is an error before the first question.
            _ = spindle.ChatTemplate;
            var session = new ChatSession(context, spindle, options, parse.GetValue(system), parse.GetValue(stats));
            return session.Run();
        });
        return command;
    }

    private sealed class ChatSession(CliContext context, SpindleModel model, GenerationOptions options, string? systemPrompt, bool stats)
    {
        private readonly List<ChatMessage> _history = [];
        private string? _system = systemPrompt;
        private bool _turnFailed;

        public int Run()
        {
            using var cancel = new ConsoleCancellation(context) { Active = false, IdlePrompt = Prompt, SecondInterruptExits = false };
            var output = context.Out;
            string name = model.Model.File.Metadata.GetStringOrNull("general.name") is { } n ? TerminalText.Escape(n) : "the model";
            output.WriteLine($"Chatting with {name}. /reset, /system TEXT, /exit; Ctrl-C stops a reply, Ctrl-D exits.");
            while (true)
            {
                output.Write(Prompt);
                output.Flush();
                string? line = context.InIsTerminal ? context.In.ReadLine() : BoundedLineReader.ReadLine(context.In, PromptSource.MaxChars);
                if (line is null)
                {
                    output.WriteLine();
                    return _turnFailed ? ErrorReporter.RuntimeError : 0;
                }
                line = line.Trim();
                if (line.Length == 0) continue;
                if (line == "/exit" || line == "/quit") return _turnFailed ? ErrorReporter.RuntimeError : 0;
                if (line == "/reset")
                {
                    _history.Clear();
                    output.WriteLine("(conversation cleared)");
                    continue;
                }
                if (line == "/system" || line.StartsWith("/system ", StringComparison.Ordinal))
                {
                    string text = line.Length > 7 ? line[8..].Trim() : "";
                    _system = text.Length == 0 ? null : text;
                    output.WriteLine(_system is null ? "(system prompt removed)" : "(system prompt set)");
                    continue;
                }
                if (line.StartsWith('/'))
                {
                    output.WriteLine($"unknown command {TerminalText.Escape(line.Split(' ')[0])} (commands: /reset, /system TEXT, /exit)");
                    continue;
                }
                // Active from here on: a Ctrl-C while the prompt is rendered, waits for the model or is evaluated
                // cancels this reply, and the reply ends at once with a Cancelled chunk.
                cancel.Renew();
                cancel.Active = true;
                try
                {
                    Turn(line, cancel.Token);
                }
                finally
                {
                    cancel.Active = false;
                }
            }
        }

        private void Turn(string line, CancellationToken cancellationToken)
        {
            _history.Add(ChatMessage.User(line));
            try
            {
                Reply(cancellationToken);
            }
            catch (SpindleException ex)
            {
                // The template refused this conversation (raise_exception, an error in it), or the context is full: the
                // turn is dropped, the conversation before it stays.
                _history.RemoveAt(_history.Count - 1);
                _turnFailed = true;
                context.Out.Flush();
                ErrorReporter.Line(context.Error, ErrorReporter.Describe(ex).Message);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                // Ctrl-C while the template was still rendering: nothing was generated, so the turn is dropped.
                _history.RemoveAt(_history.Count - 1);
                context.Out.WriteLine();
            }
        }

        private void Reply(CancellationToken cancellationToken)
        {
            var messages = new List<ChatMessage>(_history.Count + 1);
            if (_system != null) messages.Add(ChatMessage.System(_system));
            messages.AddRange(_history);
            int[] prompt = model.EncodeChat(messages, options, cancellationToken);
            if (prompt.Length == 0) throw new ChatTemplateException("it rendered the conversation as an empty prompt", raisedByTemplate: false);
            if (prompt.Length >= model.ContextLength)
            {
                _history.RemoveAt(_history.Count - 1);
                _turnFailed = true;
                context.Out.WriteLine($"(the conversation no longer fits the context of {model.ContextLength} tokens: /reset to start over)");
                return;
            }
            var reply = new StringBuilder();
            GenerationChunk? last = null;
            foreach (var chunk in model.GenerateAsync(prompt, options, cancellationToken).ToBlockingEnumerable())
            {
                if (chunk.Text.Length > 0)
                {
                    reply.Append(chunk.Text);
                    context.WriteGenerated(chunk.Text);
                    context.Out.Flush();
                }
                last = chunk;
            }
            context.Out.WriteLine();
            if (last?.FinishReason == FinishReason.Cancelled) context.Out.WriteLine("(reply stopped)");
            // A stopped reply stays in the history as far as it got, which also keeps the cached tokens a prefix of the next prompt.
            _history.Add(ChatMessage.Assistant(reply.ToString().Trim()));
            if (stats && last?.Usage is { } u)
                context.Error.WriteLine(GenerateCommand.Summary(u, last.FinishReason) + $"; reused {u.CachedPromptTokens} cached prompt tokens");
        }
    }
}
