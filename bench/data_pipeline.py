"""Benchmark: the data pipeline on an ML-25m-shaped file, recsys_nb vs the seeds' way of doing it.

Writes (once, cached) a synthetic 25-million-row `ratings.csv` in the exact ml-25m format (162,541 users,
59,047 items, header `userId,movieId,rating,timestamp`, sorted by user then movie) plus a `movies.csv`, then
times, each in its own process so that peak memory is measured separately:

- ours:      parse (recsys_nb.data.movielens) -> Interactions (5-core) -> leave_one_out -> padded test
             histories (n_users x 200, `Split.histories`)
- reference: the seeds' pipeline: `pd.read_csv`, count filter, dict-based dense ids,
             `groupby(...).apply(lambda d: list(d.sort_values('timestamp')['sid']))`, per-user Python slicing
             and padding (seed 001's `split_df`, seed 000's padding)

Prints both times, the ratio and each side's peak RSS. Each step is timed in wall-clock seconds and in CPU seconds
of the process (all its threads): on a shared, busy machine the wall time mostly measures the other processes, while
the CPU time still measures the work. This is a benchmark, not a test: nothing is asserted.
Usage: python bench/data_pipeline.py [--rows 25000000] [--dir DIR] [--max-len 200] [--skip-reference]
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

N_USERS, N_ITEMS = 162_541, 59_047

class Timer:
    "Wall-clock and CPU seconds of named steps: `with tm('parse'): ...`."
    def __init__(self): self.wall, self.cpu = {}, {}
    def __call__(self, name): self.name = name; return self
    def __enter__(self): self.t, self.c = time.perf_counter(), time.process_time()
    def __exit__(self, *a):
        self.wall[self.name] = time.perf_counter() - self.t; self.cpu[self.name] = time.process_time() - self.c

def peak_rss_gb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20  # Linux: KiB

def write_files(folder:Path, rows:int, seed:int=0):
    "An ml-25m-shaped `ratings.csv` and `movies.csv` in `folder` (skipped when already there)."
    import pandas as pd
    folder.mkdir(parents=True, exist_ok=True)
    rat, mov = folder/"ratings.csv", folder/"movies.csv"
    if rat.exists() and mov.exists() and (folder/".rows").exists() and (folder/".rows").read_text() == str(rows):
        return
    t = time.perf_counter()
    rng = np.random.default_rng(seed)
    # per-user counts: long-tailed (>= 20 each, like MovieLens), scaled to the row count
    w = rng.pareto(1.2, N_USERS) + 1
    counts = np.maximum(20, np.floor(w / w.sum() * rows * 1.04)).astype(np.int64)
    users = np.repeat(np.arange(1, N_USERS + 1, dtype=np.int64), counts)
    pop = 1 / np.arange(1, N_ITEMS + 1) ** 0.9
    items = rng.choice(N_ITEMS, size=len(users), p=pop / pop.sum()).astype(np.int64) + 1
    key = np.unique(users * (N_ITEMS + 1) + items)           # no repeated (user, movie), sorted by user then movie
    while len(key) < rows:  # popular items collide within a user: top up with uniform draws until there are enough
        extra = int((rows - len(key)) * 1.3) + 1000
        u = rng.choice(N_USERS, size=extra, p=counts / counts.sum()) + 1
        key = np.union1d(key, u * (N_ITEMS + 1) + rng.integers(1, N_ITEMS + 1, extra))
    if len(key) > rows: key = np.sort(rng.choice(key, rows, replace=False))
    users, items = key // (N_ITEMS + 1), key % (N_ITEMS + 1)
    ratings = rng.integers(1, 11, len(key)) / 2
    ts = rng.integers(789_652_009, 1_574_327_703, len(key))
    tmp = rat.with_suffix(".csv.part")
    with open(tmp, "w") as f:
        f.write("userId,movieId,rating,timestamp\n")
        step = 2_000_000
        for i in range(0, len(key), step):
            sl = slice(i, i + step)
            pd.DataFrame({"u": users[sl], "m": items[sl], "r": ratings[sl], "t": ts[sl]}).to_csv(
                f, header=False, index=False, float_format="%.1f", lineterminator="\n")
    tmp.rename(rat)
    genres = np.array(["Action", "Comedy", "Drama", "Thriller", "Romance", "Sci-Fi", "Animation", "Children"])
    mv = pd.DataFrame({"movieId": np.arange(1, N_ITEMS + 1),
                       "title": [f"Movie {i}, The ({1900 + i % 120})" for i in range(1, N_ITEMS + 1)],
                       "genres": ["|".join(genres[[i % 8, (i * 3) % 8]]) for i in range(N_ITEMS)]})
    mv.to_csv(mov, index=False)
    (folder/".rows").write_text(str(rows))
    print(f"wrote {len(key):,} ratings to {rat} in {time.perf_counter() - t:.1f} s", file=sys.stderr)

def ours(folder:Path, max_len:int, min_count:int) -> dict:
    from recsys_nb.data.interactions import Interactions
    from recsys_nb.data.movielens import load_movielens
    from recsys_nb.data.split import leave_one_out
    tm = Timer()
    with tm("parse"): raw = load_movielens("ml-25m", data_dir=folder.parent, download=False)
    with tm("interactions"): inter = Interactions.from_ratings(raw, min_user_count=min_count, min_item_count=min_count)
    with tm("leave_one_out"): split = leave_one_out(inter)
    with tm("padded_histories"): h = split.histories("test", max_len)   # = padded_histories of split.seen("test")
    times = tm.wall
    return {"times": times, "cpu": tm.cpu, "n_ratings": len(raw.ratings), "n_users": inter.n_users, "n_items": inter.n_items,
            "shape": list(h.shape), "checksum": int(h.sum())}

def reference(folder:Path, max_len:int, min_count:int) -> dict:
    "The seeds' pipeline (seed 001's preprocess + split_df, seed 000-style padding), kept as they wrote it."
    import pandas as pd
    import torch
    tm = Timer()
    with tm("parse"):
        df = pd.read_csv(folder/"ratings.csv")
        df = df.rename(columns={"userId": "uid", "movieId": "sid"})
    with tm("interactions"):
        item_sizes = df.groupby("sid").size(); df = df[df["sid"].isin(item_sizes.index[item_sizes >= min_count])]
        user_sizes = df.groupby("uid").size(); df = df[df["uid"].isin(user_sizes.index[user_sizes >= min_count])]
        umap = {u: i for i, u in enumerate(set(df["uid"]))}
        smap = {s: i + 1 for i, s in enumerate(set(df["sid"]))}  # +1: keep 0 for padding (seed 001 did not)
        df["uid"] = df["uid"].map(umap); df["sid"] = df["sid"].map(smap)
    with tm("leave_one_out"):
        user2items = df.groupby("uid").apply(lambda d: list(d.sort_values(by="timestamp")["sid"]))
        train, val, test = {}, {}, {}
        for user in range(len(umap)):
            items = user2items[user]
            train[user], val[user], test[user] = items[:-2], items[-2:-1], items[-1:]
    with tm("padded_histories"):
        seqs = [(train[u] + val[u])[-max_len:] for u in range(len(umap))]
        h = torch.tensor([[0] * (max_len - len(s)) + s for s in seqs], dtype=torch.long)
    times = tm.wall
    return {"times": times, "cpu": tm.cpu, "n_users": len(umap), "n_items": len(smap), "shape": list(h.shape)}

def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=25_000_000)
    ap.add_argument("--dir", type=Path, default=Path(os.environ.get("RECSYS_NB_HOME", "~/.cache/recsys_nb")).expanduser()/"bench")
    ap.add_argument("--max-len", type=int, default=200)
    ap.add_argument("--min-count", type=int, default=5, help="user and item count threshold (both pipelines)")
    ap.add_argument("--skip-reference", action="store_true")
    ap.add_argument("--stage", choices=["ours", "reference"], help=argparse.SUPPRESS)
    a = ap.parse_args()
    folder = a.dir/f"rows{a.rows}"/"ml-25m"
    if a.stage:  # child process: run one pipeline, report as JSON
        res = (ours if a.stage == "ours" else reference)(folder, a.max_len, a.min_count)
        res["total_s"] = sum(res["times"].values()); res["total_cpu_s"] = sum(res["cpu"].values())
        res["peak_rss_gb"] = peak_rss_gb()
        print(json.dumps(res)); return
    write_files(folder, a.rows)
    out = {}
    for stage in ["ours"] + ([] if a.skip_reference else ["reference"]):
        r = subprocess.run([sys.executable, __file__, "--stage", stage, "--rows", str(a.rows), "--dir", str(a.dir),
                            "--max-len", str(a.max_len), "--min-count", str(a.min_count)], capture_output=True, text=True)
        if r.returncode: sys.exit(f"{stage} failed:\n{r.stderr[-4000:]}")
        out[stage] = json.loads(r.stdout.strip().splitlines()[-1])
    print(f"ML-25m-shaped file: {out['ours']['n_ratings']:,} ratings; {out['ours']['n_users']:,} users x "
          f"{out['ours']['n_items']:,} items after {a.min_count}-core; histories {out['ours']['shape']}")
    for what, key, tot in (("wall-clock", "times", "total_s"), ("CPU", "cpu", "total_cpu_s")):
        print(f"{what + ' seconds':<18}{'recsys_nb':>12}{'reference':>13}{'ratio':>8}")
        for k in out["ours"][key]:
            o = out["ours"][key][k]; r = out.get("reference", {}).get(key, {}).get(k)
            print(f"  {k:<16}{o:>12.2f}" + (f"{r:>13.2f}{r / o:>7.1f}x" if r is not None else ""))
        o = out["ours"]; r = out.get("reference")
        print(f"  {'total':<16}{o[tot]:>12.2f}" + (f"{r[tot]:>13.2f}{r[tot] / o[tot]:>7.1f}x" if r else ""))
    o = out["ours"]; r = out.get("reference")
    print(f"peak RSS: recsys_nb {o['peak_rss_gb']:.2f} GB" + (f", reference {r['peak_rss_gb']:.2f} GB" if r else ""))
    if r and r["shape"] != o["shape"]: print(f"note: shapes differ: ours {o['shape']} vs reference {r['shape']} (iterated vs one-pass k-core)")
    print(json.dumps(out))

if __name__ == "__main__":
    main()
