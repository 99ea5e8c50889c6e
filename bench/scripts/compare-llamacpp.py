#!/usr/bin/env python3
"""Same-run speed comparison of Spindle against llama.cpp's own tools (../shared/anchor/llama.cpp/bin).

Alternates the two engines A B A B on each file and reports medians and Spindle/llama.cpp ratios, because these
machines drift by 2x between runs. Three suites:
  pp-tg     spindle bench -p 128 -n 64           vs llama-bench -p 128 -n 64
  depth     spindle bench -p 0 -n 64 -d D        vs llama-batched-bench -npp D -ntg 64 -npl 1   (S_TG)
  parallel  spindle bench -p 0 -n 64 -d 128 --parallel N  vs llama-batched-bench -npp 128 -ntg 64 -npl N (S_TG)

Usage: bench/scripts/compare-llamacpp.py SUITE FILE.gguf [FILE.gguf ...] [--rounds 3] [--threads 2] [--depth 2048]
       [--parallel 1,2,4,8] [--json OUT]
"""
import argparse, json, os, re, statistics, subprocess, sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, '..', '..'))
ANCHOR = os.path.abspath(os.path.join(REPO, '..', 'shared', 'anchor', 'llama.cpp', 'bin'))
SPINDLE = os.path.join(REPO, 'spindle')


def run(cmd):
    p = subprocess.run(cmd, capture_output=True, text=True, cwd=ANCHOR if cmd[0].startswith(ANCHOR) else REPO)
    if p.returncode != 0:
        sys.exit(f"failed ({p.returncode}): {' '.join(cmd)}\n{p.stderr[-2000:]}")
    return p.stdout


def spindle_bench(path, args, extra):
    out = json.loads(run([SPINDLE, 'bench', '-m', path, '-t', str(args.threads), '-r', str(args.reps), '--json'] + extra))
    return out


def llama_bench(path, args, p, n):
    out = json.loads(run([os.path.join(ANCHOR, 'llama-bench'), '-m', path, '-t', str(args.threads), '-r', str(args.reps),
                          '-p', str(p), '-n', str(n), '-o', 'json']))
    pp = next((t['avg_ts'] for t in out if t['n_prompt'] > 0 and t['n_gen'] == 0), None)
    tg = next((t['avg_ts'] for t in out if t['n_gen'] > 0 and t['n_prompt'] == 0), None)
    return pp, tg


def batched_bench(path, args, npp, ntg, npl):
    ctx = max(8192, (npp + ntg) * npl + 256)
    out = run([os.path.join(ANCHOR, 'llama-batched-bench'), '-m', path, '-t', str(args.threads), '-c', str(ctx),
               '-b', '2048', '-ub', '512', '-npp', str(npp), '-ntg', str(ntg), '-npl', str(npl)])
    # |    PP |     TG |    B |   N_KV |   T_PP s | S_PP t/s |   T_TG s | S_TG t/s |      T s |    S t/s |
    for line in out.splitlines():
        cells = [c.strip() for c in line.strip().strip('|').split('|')]
        if len(cells) >= 8 and cells[0] == str(npp) and cells[1] == str(ntg) and cells[2] == str(npl):
            return float(cells[7])
    sys.exit(f"no S_TG row in llama-batched-bench output:\n{out}")


def median(xs):
    return statistics.median(xs) if xs else float('nan')


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('suite', choices=['pp-tg', 'depth', 'parallel'])
    ap.add_argument('files', nargs='+')
    ap.add_argument('--rounds', type=int, default=3)
    ap.add_argument('--reps', type=int, default=3, help='repetitions inside each tool run')
    ap.add_argument('--threads', type=int, default=2)
    ap.add_argument('--depth', type=int, default=2048)
    ap.add_argument('--parallel', default='1,2,4,8')
    ap.add_argument('--json')
    args = ap.parse_args()
    rows = []
    for path in args.files:
        name = os.path.basename(path)
        if args.suite == 'pp-tg':
            s_pp, s_tg, l_pp, l_tg = [], [], [], []
            for _ in range(args.rounds):
                lp, lt = llama_bench(path, args, 128, 64)
                l_pp.append(lp); l_tg.append(lt)
                out = spindle_bench(path, args, ['-p', '128', '-n', '64'])
                s_pp.append(out['pp_tokens_per_s']); s_tg.append(out['tg_tokens_per_s'])
                print(f"  {name}: llama.cpp pp {lp:.1f} tg {lt:.1f} | spindle pp {s_pp[-1]:.1f} tg {s_tg[-1]:.1f}", file=sys.stderr)
            rows.append({'file': name, 'test': 'pp128', 'spindle': median(s_pp), 'llama.cpp': median(l_pp), 'spindle_runs': s_pp, 'llama_runs': l_pp})
            rows.append({'file': name, 'test': 'tg64', 'spindle': median(s_tg), 'llama.cpp': median(l_tg), 'spindle_runs': s_tg, 'llama_runs': l_tg})
        else:
            configs = [(args.depth, 1)] if args.suite == 'depth' else [(128, int(n)) for n in args.parallel.split(',')]
            for depth, npl in configs:
                s, l = [], []
                for _ in range(args.rounds):
                    l.append(batched_bench(path, args, depth, 64, npl))
                    out = spindle_bench(path, args, ['-p', '0', '-n', '64', '-d', str(depth), '--parallel', str(npl)])
                    s.append(out['tg_tokens_per_s'])
                    print(f"  {name} d{depth} x{npl}: llama.cpp {l[-1]:.1f} | spindle {s[-1]:.1f}", file=sys.stderr)
                rows.append({'file': name, 'test': f'tg64 @ d{depth} x{npl}', 'spindle': median(s), 'llama.cpp': median(l), 'spindle_runs': s, 'llama_runs': l})
    print(f"| file | test | Spindle t/s | llama.cpp t/s | ratio |")
    print(f"|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['file']} | {r['test']} | {r['spindle']:.1f} | {r['llama.cpp']:.1f} | {r['spindle'] / r['llama.cpp']:.2f} |")
    if args.json:
        with open(args.json, 'w') as f:
            json.dump(rows, f, indent=1)


if __name__ == '__main__':
    main()
