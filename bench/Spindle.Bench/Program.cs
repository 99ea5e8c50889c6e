using BenchmarkDotNet.Running;

if (args.Length > 0 && args[0] == "grammar-mask") return Spindle.Bench.Constraints.GrammarMaskReplay.Run(args[1..]);
if (args.Length > 0 && args[0] == "watermark") return Spindle.Bench.WatermarkCalibration.Run(args[1..]);
if (args.Length > 0 && args[0] == "tokenizer") return Spindle.Bench.TokenizerThroughput.Run(args[1..]);
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
return 0;
