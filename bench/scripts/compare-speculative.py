#!/usr/bin/env python3
"""Same-run comparison of Spindle's speculative decoding with llama.cpp's, greedy, on the same files and prompt.

Each round runs, in turn (the order flips every round):
  spindle  `spindle bench --json` with the drafter: target-only and speculative decode alternate inside the process
           (its own medians of --reps runs), so its speed-up is measured against its own target-only speed;
  llama    `llama-bench -p 0 -n N` (target-only decode) and then llama-speculative-simple (--draft) or llama-lookup
           (--lookup) on the same prompt; llama.cpp's speed-up = its speculative t/s over its llama-bench t/s.
Reports medians over rounds: both engines' target-only and speculative tokens/s, speed-ups, acceptance.

Usage:
  bench/scripts/compare-speculative.py --target T.gguf --draft D.gguf [--draft-max 16] [-n 128] [--rounds 3]
  bench/scripts/compare-speculative.py --target T.gguf --lookup 3 --prompt-file P.txt [--draft-max 8]
  bench/scripts/compare-speculative.py --target T.gguf --recycle | --self-spec L   (Spindle only: llama.cpp has neither)
Extra Spindle flags after `--`, e.g. `-- --draft-p-min 0.5`.
"""
import argparse, json, os, re, statistics, subprocess, sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, '..', '..'))
ANCHOR = os.path.abspath(os.path.join(REPO, '..', 'shared', 'anchor', 'llama.cpp', 'bin'))
DEFAULT_PROMPT = 'Once upon a time, there was a little girl named Lily. She'


def run(cmd, cwd=None):
    p = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit(f"failed ({p.returncode}): {' '.join(cmd)}\n{p.stdout[-2000:]}\n{p.stderr[-2000:]}")
    return p.stdout + p.stderr


def spindle(args, prompt_file, extra):
    cmd = [args.spindle, 'bench', '-m', args.target, '-t', str(args.threads), '-n', str(args.n), '-r', str(args.reps),
           '--json', '--text-file', prompt_file, '--draft-max', str(args.draft_max)]
    if args.draft: cmd += ['--draft', args.draft]
    if args.lookup: cmd += ['--lookup', str(args.lookup)]
    if args.recycle: cmd += ['--recycle']
    if args.self_spec: cmd += ['--self-spec', str(args.self_spec)]
    out = subprocess.run(cmd + extra, cwd=REPO, capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit(f"spindle failed: {' '.join(cmd + extra)}\n{out.stderr[-2000:]}")
    return json.loads(out.stdout)


def llama(args, prompt_file):
    base = run([os.path.join(ANCHOR, 'llama-bench'), '-m', args.target, '-p', '0', '-n', str(args.n), '-t', str(args.threads),
                '-r', '1', '-o', 'json'], cwd=ANCHOR)
    tg = json.loads(base[base.index('['):base.rindex(']') + 1])[0]['avg_ts']
    if args.draft:
        cmd = [os.path.join(ANCHOR, 'llama-speculative-simple'), '-m', args.target, '-md', args.draft, '-f', prompt_file,
               '-n', str(args.n), '--draft-max', str(args.draft_max), '-t', str(args.threads), '--temp', '0', '-c', '2048']
    else:
        cmd = [os.path.join(ANCHOR, 'llama-lookup'), '-m', args.target, '-f', prompt_file, '-n', str(args.n),
               '--draft-max', str(args.draft_max), '-t', str(args.threads), '--temp', '0', '-c', '2048']
    out = run(cmd, cwd=ANCHOR)
    speed = float(re.search(r'decoded\s+\d+\s+tokens in\s+[\d.]+ seconds, speed:\s+([\d.]+) t/s', out).group(1))
    drafted = int(re.search(r'n_drafted\s*=\s*(\d+)', out).group(1))
    accepted = int(re.search(r'n_accept\s*=\s*(\d+)', out).group(1))
    return dict(base=tg, spec=speed, speedup=speed / tg, acceptance=accepted / drafted if drafted else 0.0)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--target', required=True)
    group = ap.add_mutually_exclusive_group(required=True)
    group.add_argument('--draft')
    group.add_argument('--lookup', type=int)
    group.add_argument('--recycle', action='store_true')
    group.add_argument('--self-spec', type=int)
    ap.add_argument('--prompt-file')
    ap.add_argument('--draft-max', type=int, default=16)
    ap.add_argument('-n', type=int, default=128)
    ap.add_argument('--rounds', type=int, default=3)
    ap.add_argument('--reps', type=int, default=3, help='spindle bench repetitions per round')
    ap.add_argument('--threads', type=int, default=2)
    ap.add_argument('--spindle', default=os.path.join(REPO, 'spindle'))
    ap.add_argument('--json')
    args, extra = ap.parse_known_args()
    extra = [e for e in extra if e != '--']
    prompt_file = args.prompt_file
    if prompt_file is None:
        prompt_file = '/tmp/compare-speculative-prompt.txt'
        with open(prompt_file, 'w') as f: f.write(DEFAULT_PROMPT)
    with_llama = bool(args.draft or args.lookup)
    rows = []
    for r in range(args.rounds):
        order = ['spindle', 'llama'] if r % 2 == 0 else ['llama', 'spindle']
        row = {}
        for engine in order:
            if engine == 'spindle':
                s = spindle(args, prompt_file, extra)
                row['spindle'] = dict(base=s['baseline_tokens_per_s'], spec=s['tg_tokens_per_s'], speedup=s['speedup'],
                                      acceptance=s['acceptance_rate'], mean_accepted=s['mean_accepted'],
                                      forwards=s['target_forwards_per_token'], identical=s.get('outputs_identical'))
            elif with_llama:
                row['llama'] = llama(args, prompt_file)
        rows.append(row)
        print(f"round {r + 1}: " + json.dumps(row), flush=True)

    def med(engine, key):
        return statistics.median(row[engine][key] for row in rows)

    print(f"\n{os.path.basename(args.target)}, {args.n} tokens, {args.threads} threads, medians of {args.rounds} rounds")
    print('| engine | target-only t/s | speculative t/s | speed-up | acceptance |')
    print('|---|---:|---:|---:|---:|')
    summary = {}
    for engine in (['spindle', 'llama'] if with_llama else ['spindle']):
        summary[engine] = {k: med(engine, k) for k in ('base', 'spec', 'speedup', 'acceptance')}
        s = summary[engine]
        print(f"| {engine} | {s['base']:.1f} | {s['spec']:.1f} | {s['speedup']:.2f}× | {s['acceptance']:.1%} |")
    print(f"spindle mean accepted per round {med('spindle', 'mean_accepted'):.2f}, target passes per token {med('spindle', 'forwards'):.3f}, "
          f"outputs identical in every round: {all(row['spindle']['identical'] for row in rows)}")
    if args.json:
        with open(args.json, 'w') as f: json.dump(dict(rounds=rows, medians=summary), f, indent=2)


if __name__ == '__main__':
    main()
