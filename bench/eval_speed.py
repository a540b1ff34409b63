"""Benchmark: full-ranking evaluation time and peak memory, and how memory grows with the number of users.

A random-score model (`score` draws uniform scores for every item) is evaluated with `recsys_nb.evaluate.evaluate`
over a 60,000-item catalogue, excluding about 50 seen items per user, for 20,000 and then 80,000 users, each in
its own process so peak RSS is measured separately. Memory should stay flat as users grow: it is bounded by
`chunk_size x n_items`, not `n_users x n_items` (which would be 4.8 GB of float32 scores at 20k users).

`--order DATASET` times something else: SASRec's validation on a real log (untrained weights: the time does not
depend on them) with the rows read in user order against shortest history first (`EvalBatcher.chunks(by_length=True)`,
what `evaluate` does), alternating the two `--repeats` times in one process, and prints the ratio and both metrics.
On a log of short histories (Amazon Beauty: median 6 items) the length order lets SASRec's trim cut each chunk to
about its rows' width. It writes `bench/results/eval_order_<device>_<dataset>.json`.
This is a benchmark, not a test: nothing is asserted.
Usage: python bench/eval_speed.py [--users 20000 80000] [--items 60000] [--chunk 1024] [--device cpu]
       python bench/eval_speed.py --order amazon-beauty [--repeats 2] [--threads 1]
"""
from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time


def run(n_users:int, n_items:int, chunk:int, device:str, seen:int=50) -> dict:
    import numpy as np
    import torch
    from torch import nn

    from recsys_nb.data.batchers import EvalBatcher
    from recsys_nb.evaluate import evaluate
    rng = np.random.default_rng(0)
    hu = np.repeat(np.arange(n_users), seen)
    hi = rng.integers(1, n_items + 1, len(hu))
    ti = rng.integers(1, n_items + 1, n_users)
    data = EvalBatcher(hu, hi, np.arange(n_users), ti, n_users, n_items, max_len=50)  # targets are never excluded

    class RandomScores(nn.Module):
        def __init__(self): super().__init__(); self.register_buffer("dev", torch.zeros(1)); self.g = None
        def score(self, b):
            return torch.rand(len(b["users"]), n_items + 1, device=self.dev.device, generator=self.g)
    m = RandomScores().to(device); m.g = torch.Generator(device=device).manual_seed(0)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**10
    t = time.perf_counter()
    r = evaluate(m, data, ks=(10,), exclude_seen=True, chunk_size=chunk)
    if device.startswith("cuda"): torch.cuda.synchronize()
    sec = time.perf_counter() - t
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**10
    return {"users": n_users, "items": n_items, "chunk": chunk, "seconds": sec, "users_per_s": n_users / sec,
            "peak_rss_mb": peak, "rss_before_eval_mb": before, "HR@10": r["HR@10"], "expected_HR@10": 10 / (n_items - seen)}

class _UserOrder:
    "An `EvalBatcher` whose chunks keep the rows in user order (what `evaluate` read before `by_length`)."
    def __init__(self, ev): self.ev, self.n_items = ev, ev.n_items
    def chunks(self, *args, by_length=False, **kwargs): return self.ev.chunks(*args, **kwargs)
    def exclude_mask(self, *args, **kwargs): return self.ev.exclude_mask(*args, **kwargs)

def order(dataset:str, repeats:int, chunk:int, device:str, threads:int) -> dict:
    "SASRec's full-ranking validation on `dataset`, rows in user order against by history length, alternated."
    import torch

    from recsys_nb.evaluate import evaluate
    from recsys_nb.experiment import build, recipe
    torch.set_num_threads(threads)
    r = recipe("sasrec"); r.dataset = dataset
    res = build(r); m, ev = res.model.to(device), res.eval["valid"]
    lens = (ev.histories[ev.users] != 0).sum(1).float()
    secs, mets = {"user order": [], "by length": []}, {}
    for _ in range(repeats):
        for name, data in (("user order", _UserOrder(ev)), ("by length", ev)):
            t = time.perf_counter()
            mets[name] = evaluate(m, data, ks=(10,), chunk_size=chunk).metrics
            if device.startswith("cuda"): torch.cuda.synchronize()
            secs[name].append(time.perf_counter() - t)
    best = {k: min(v) for k, v in secs.items()}
    return {"dataset": dataset, "rows": len(ev.users), "items": ev.n_items, "median_history": float(lens.median()),
            "chunk": chunk, "device": device, "threads": threads, "seconds": secs, "ratio": best["user order"] / best["by length"],
            "metrics": mets}

def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--users", type=int, nargs="+", default=[20_000, 80_000])
    ap.add_argument("--items", type=int, default=60_000)
    ap.add_argument("--chunk", type=int, default=1024)
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--one", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--order", metavar="DATASET", help="time SASRec's validation on DATASET, user order against by length")
    ap.add_argument("--repeats", type=int, default=2)
    ap.add_argument("--threads", type=int, default=1)
    a = ap.parse_args()
    if a.order:
        from pathlib import Path
        res = order(a.order, a.repeats, a.chunk, a.device, a.threads)
        print(f"SASRec validation on {res['dataset']}: {res['rows']:,} rows, {res['items']:,} items, median history "
              f"{res['median_history']:.0f}, chunk {a.chunk}, {a.device}, {a.threads} thread(s)")
        for k, v in res["seconds"].items():
            print(f"  {k:<11} {' '.join(f'{x:.1f}' for x in v)} s   NDCG@10 {res['metrics'][k]['NDCG@10']:.6f}  HR@10 {res['metrics'][k]['HR@10']:.6f}")
        print(f"  user order / by length (best of {a.repeats}): {res['ratio']:.2f}x")
        out = Path(__file__).parent/"results"/f"eval_order_{a.device.split(':')[0]}_{res['dataset']}.json"
        out.write_text(json.dumps(res, indent=1) + "\n"); print("wrote", out)
        return
    if a.one:
        print(json.dumps(run(a.one, a.items, a.chunk, a.device))); return
    rows = []
    for n in a.users:
        p = subprocess.run([sys.executable, __file__, "--one", str(n), "--items", str(a.items), "--chunk", str(a.chunk),
                            "--device", a.device], capture_output=True, text=True)
        if p.returncode: sys.exit(p.stderr[-3000:])
        rows.append(json.loads(p.stdout.strip().splitlines()[-1]))
    print(f"full-ranking evaluation, {a.items:,} items, chunk {a.chunk}, device {a.device}")
    print(f"{'users':>8}{'seconds':>10}{'users/s':>10}{'peak RSS MB':>13}{'RSS before MB':>15}{'HR@10':>8}{'(random)':>10}")
    for r in rows:
        print(f"{r['users']:>8,}{r['seconds']:>10.2f}{r['users_per_s']:>10.0f}{r['peak_rss_mb']:>13.0f}"
              f"{r['rss_before_eval_mb']:>15.0f}{r['HR@10']:>8.5f}{r['expected_HR@10']:>10.5f}")
    if len(rows) > 1:
        g = [(r["peak_rss_mb"] - r["rss_before_eval_mb"]) for r in rows]
        print(f"evaluation memory growth: {g[0]:.0f} MB at {rows[0]['users']:,} users vs {g[-1]:.0f} MB at "
              f"{rows[-1]['users']:,} users ({rows[-1]['users'] / rows[0]['users']:.0f}x users); "
              f"dense scores would need {rows[0]['users'] * (a.items + 1) * 4 / 2**20:,.0f} MB")
    print(json.dumps(rows))

if __name__ == "__main__":
    main()
