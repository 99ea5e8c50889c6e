#!/usr/bin/env python3
"""Start-up time of the native executable (bin/spindle) against the JIT build, whole process, wall clock.

Times `spindle --help` and a one-token generation with the built-in model (load, prefill, first token), alternating
native and JIT in rounds of five runs; prints the median of the round medians.

Usage: bench/scripts/startup.py [--rounds 3]   (build both first: the README's set-up command and dotnet build -c Release)
"""
import argparse, os, statistics, subprocess, time

REPO = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..'))
NATIVE = [os.path.join(REPO, 'bin', 'spindle')]
JIT = ['dotnet', os.path.join(REPO, 'src', 'Spindle.Cli', 'bin', 'Release', 'net10.0', 'Spindle.Cli.dll')]
CASES = [('--help', ['--help']),
         ('generate -n 1', ['generate', '-p', 'Once upon a time', '-n', '1', '--temp', '0'])]


def median_ms(cmd, runs):
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--rounds', type=int, default=3)
    args = ap.parse_args()
    for name, extra in CASES:
        native, jit = [], []
        for _ in range(args.rounds):
            native.append(median_ms(NATIVE + extra, 5))
            jit.append(median_ms(JIT + extra, 5))
        n, j = statistics.median(native), statistics.median(jit)
        print(f'{name}: native {n:.1f} ms, JIT {j:.1f} ms ({j / n:.0f}x)')


if __name__ == '__main__':
    main()
