#!/usr/bin/env python3
"""Same-run comparison of `spindle serve` against llama.cpp's `llama-server`, both driven by `spindle bench-serve`.

For each file and round the two servers take turns (A B, then B A next round), each started fresh on the same file,
given a warm-up request, measured, and stopped. Scenarios (all streamed /v1/completions, greedy, ignore_eos):
  c1      1 client, 8 requests of 64 tokens after ~128-token prompts
  c8      8 clients, 32 requests of 64 tokens after ~128-token prompts
  prefix  1 client: a ~1,000-token prefix then 5 requests sharing it (TTFT first use vs repeats)
  rotate  8 clients, 24 requests over 12 distinct ~1,000-token prefixes used in turn, each twice (prefix-cache hit rate)
Reports medians over rounds and Spindle/llama-server ratios.

Usage: bench/scripts/compare-serve.py FILE.gguf [FILE.gguf ...] [--rounds 3] [--threads 2] [--scenarios c1,c8,prefix,rotate]
       [--json OUT]
llama-server runs as the issue asks: --parallel 8 -c 8192 --cont-batching (-c 16384 for the 1,000-token prefix scenarios,
so that each of its 8 slots holds such a prompt); spindle serve --parallel 8 (--ctx-size 2048 for those scenarios: the
same 2,048 tokens per sequence, and its default pool of 8 × 2,048 slots holds the 12 prefixes).
"""
import argparse, json, os, statistics, subprocess, sys, time, urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, '..', '..'))
ANCHOR = os.path.abspath(os.path.join(REPO, '..', 'shared', 'anchor', 'llama.cpp', 'bin'))
SPINDLE = os.path.join(REPO, 'spindle')
PORT = 8190  # advanced at each start: a port the last server closed may still hold TIME_WAIT connections

SCENARIOS = {
    'c1': dict(clients=1, requests=8, prompt=128, max_tokens=64),
    'c8': dict(clients=8, requests=32, prompt=128, max_tokens=64),
    'prefix': dict(clients=1, requests=6, prompt=1040, max_tokens=8, shared=1000, prefixes=1),
    'rotate': dict(clients=8, requests=24, prompt=1040, max_tokens=8, shared=1000, prefixes=12),
}


def start(engine, path, threads, big):
    global PORT
    PORT += 1
    if engine == 'llama':
        cmd = [os.path.join(ANCHOR, 'llama-server'), '-m', path, '--parallel', '8', '-c', '16384' if big else '8192',
               '--cont-batching', '-t', str(threads), '--host', '127.0.0.1', '--port', str(PORT)]
        cwd = ANCHOR
    else:
        cmd = [SPINDLE, 'serve', '-m', path, '--parallel', '8', '-t', str(threads), '--host', '127.0.0.1', '--port', str(PORT)]
        if big:
            cmd += ['--ctx-size', '2048']  # as llama-server's 16384 / 8 slots
        cwd = REPO
    log = open(f'/tmp/compare-serve-{engine}.log', 'w')
    proc = subprocess.Popen(cmd, cwd=cwd, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.time() + 120
    while time.time() < deadline:
        if proc.poll() is not None:
            sys.exit(f"{engine} server exited with {proc.returncode}: {' '.join(cmd)} (log: {log.name})")
        try:
            body = json.dumps({'prompt': 'Once upon a time', 'max_tokens': 4}).encode()
            req = urllib.request.Request(f'http://127.0.0.1:{PORT}/v1/completions', data=body, headers={'Content-Type': 'application/json'})
            with urllib.request.urlopen(req, timeout=60) as r:
                if r.status == 200:
                    return proc
        except Exception:
            time.sleep(0.5)
    proc.kill()
    sys.exit(f"{engine} server did not answer: {' '.join(cmd)}")


def stop(proc):
    # llama-server sometimes hangs on SIGTERM ("terminate called without an active exception"): kill after 5 s.
    proc.terminate()
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def bench(scenario, seed):
    s = SCENARIOS[scenario]
    cmd = [SPINDLE, 'bench-serve', '--url', f'http://127.0.0.1:{PORT}', '--clients', str(s['clients']),
           '--requests', str(s['requests']), '--prompt-tokens', str(s['prompt']), '--max-tokens', str(s['max_tokens']),
           '--seed', str(seed), '--json']
    if 'shared' in s:
        cmd += ['--shared-prefix', str(s['shared']), '--prefixes', str(s['prefixes'])]
    p = subprocess.run(cmd, capture_output=True, text=True, cwd=REPO)
    if p.returncode != 0:
        sys.exit(f"bench-serve failed: {' '.join(cmd)}\n{p.stderr[-2000:]}")
    return json.loads(p.stdout)


def summarize(r, scenario):
    out = {'tps': r['throughput_tokens_per_second'], 'ttft_p50': r['ttft_ms']['p50'], 'ttft_p99': r['ttft_ms']['p99'],
           'itl_p50': r['itl_ms']['p50'], 'itl_p99': r['itl_ms']['p99'], 'errors': r['errors']}
    if scenario in ('prefix', 'rotate'):
        out['ttft_first_p50'] = (r.get('ttft_first_use_ms') or {}).get('p50', float('nan'))
        out['ttft_repeat_p50'] = (r.get('ttft_repeat_ms') or {}).get('p50', float('nan'))
        out['hit_rate'] = r.get('cache_hit_rate', float('nan'))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('files', nargs='+')
    ap.add_argument('--rounds', type=int, default=3)
    ap.add_argument('--threads', type=int, default=2)
    ap.add_argument('--scenarios', default='c1,c8,prefix,rotate')
    ap.add_argument('--json')
    args = ap.parse_args()
    scenarios = args.scenarios.split(',')
    results = {}
    for path in args.files:
        name = os.path.basename(path)
        for rnd in range(args.rounds):
            order = ['llama', 'spindle'] if rnd % 2 == 0 else ['spindle', 'llama']
            for engine in order:
                for group in (['c1', 'c8'], ['prefix', 'rotate']):
                    todo = [s for s in group if s in scenarios]
                    if not todo:
                        continue
                    proc = start(engine, path, args.threads, big=group[0] == 'prefix')
                    try:
                        for scenario in todo:
                            r = summarize(bench(scenario, seed=1000 * rnd + len(scenario)), scenario)
                            results.setdefault((name, scenario, engine), []).append(r)
                            print(f"{name} round {rnd + 1} {engine:7} {scenario:6} " + ' '.join(f"{k}={v:.1f}" if isinstance(v, float) else f"{k}={v}" for k, v in r.items()), flush=True)
                    finally:
                        stop(proc)
    print()
    print('| file | scenario | metric | llama-server | spindle | ratio |')
    print('|---|---|---|---|---|---|')
    table = []
    for path in args.files:
        name = os.path.basename(path)
        for scenario in scenarios:
            a = results.get((name, scenario, 'llama'), [])
            b = results.get((name, scenario, 'spindle'), [])
            if not a or not b:
                continue
            for metric in a[0]:
                if metric == 'errors':
                    continue
                ma = statistics.median(x[metric] for x in a)
                mb = statistics.median(x[metric] for x in b)
                # Higher is better for throughput and hit rate; lower for latencies: the ratio says how much better Spindle is.
                better = mb / ma if metric in ('tps', 'hit_rate') else (ma / mb if mb else float('nan'))
                print(f"| {name} | {scenario} | {metric} | {ma:.3f} | {mb:.3f} | {better:.2f}× |")
                table.append({'file': name, 'scenario': scenario, 'metric': metric, 'llama_server': ma, 'spindle': mb, 'spindle_advantage': better})
            errors = sum(x['errors'] for x in a), sum(x['errors'] for x in b)
            if any(errors):
                print(f"| {name} | {scenario} | errors | {errors[0]} | {errors[1]} | |")
    if args.json:
        with open(args.json, 'w') as f:
            json.dump(table, f, indent=2)


if __name__ == '__main__':
    main()
