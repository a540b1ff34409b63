"""Benchmark: `recommend_all` (what `recsys-nb recommend --all-users` runs) for every user of an ML-25m-shaped log.

Data: the ML-25m-shaped synthetic log of `bench/train_speed.py` (162,541 users, 59,047 items, 25,000,095
interactions, long-tailed users and items). Model: SASRec with the CLI's default architecture (d_model 64, two
layers, max_len 50), untrained: the weights do not change the arithmetic. Every user's top 10 unseen items are
computed in chunks of `--batch-size` users and written to a Parquet file, in a child process so that its peak
resident memory is its own. The seen-item exclusion is checked on a sample of users. Nothing is asserted about
speed: this prints seconds, users per second and peak memory.
Usage: python bench/recommend_speed.py [--shape ml-25m|ml-1m] [--batch-size 1024] [--threads 2] [--device cpu] [--out FILE.json]
"""
from __future__ import annotations

import argparse
import json
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from train_speed import SHAPES, make_data  # noqa: E402  (the same synthetic logs as the training benchmark)


def peak_rss_mb() -> float: return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**10  # Linux: KiB

def child(shape:str, batch_size:int, threads:int, device:str, k:int=10) -> dict:
    import numpy as np
    import pandas as pd
    import torch

    from recsys_nb.data.interactions import Interactions
    from recsys_nb.models.sasrec import SASRec
    from recsys_nb.recommend import recommend_all
    torch.set_num_threads(threads); torch.manual_seed(0)
    d = make_data(shape, 1.0)
    u, it = d["users"].astype(np.int64), d["items"].astype(np.int64)
    nu, ni = d["n_users"], d["n_items"]
    df = pd.DataFrame({"user": u, "item": it, "rating": np.ones(len(u), np.float32),
                       "timestamp": np.arange(len(u), dtype=np.int64) - np.searchsorted(u, np.arange(nu))[u]}, copy=False)
    inter = Interactions(df, nu, ni, np.arange(1, nu + 1), np.arange(1, ni + 1), name=shape, info={"implicit": True})
    model = SASRec(ni, loss="ce").to(device)   # serving speed: the training objective plays no part (and "auto" would need item counts)
    rss0 = peak_rss_mb()
    t0 = time.perf_counter()
    recs = recommend_all(model, inter, k=k, batch_size=batch_size)
    if device.startswith("cuda"): torch.cuda.synchronize()
    sec = time.perf_counter() - t0
    with tempfile.TemporaryDirectory() as tmp:
        t1 = time.perf_counter(); recs.to_parquet(Path(tmp)/"recs.parquet", index=False); write = time.perf_counter() - t1
        size = (Path(tmp)/"recs.parquet").stat().st_size
    sample = np.random.default_rng(0).choice(nu, 2000, replace=False) + 1                 # raw ids are dense + 1
    got = recs[recs.user.isin(sample)]
    seen = set(zip(u[np.isin(u + 1, sample)] + 1, it[np.isin(u + 1, sample)]))
    n_seen = sum((a, b) in seen for a, b in zip(got.user.to_numpy(), got.item.to_numpy()))
    return {"shape": shape, "users": nu, "items": ni, "interactions": len(u), "k": k, "batch_size": batch_size,
            "threads": threads, "device": device, "rows": len(recs), "seconds": sec, "users_per_s": nu / sec,
            "parquet_seconds": write, "parquet_mb": size / 2**20, "rss_before_mb": rss0, "peak_rss_mb": peak_rss_mb(),
            "seen_items_recommended_in_sample": int(n_seen)}

def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shape", choices=list(SHAPES), default="ml-25m")
    ap.add_argument("--batch-size", type=int, default=1024)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--out", type=Path, default=None, help="also write the result as JSON here")
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.child:
        print(json.dumps(child(a.shape, a.batch_size, a.threads, a.device))); return
    p = subprocess.run([sys.executable, __file__, "--child", "--shape", a.shape, "--batch-size", str(a.batch_size),
                        "--threads", str(a.threads), "--device", a.device], capture_output=True, text=True)
    if p.returncode: sys.exit(f"the benchmark failed:\n{p.stderr[-3000:]}")
    r = json.loads(p.stdout.strip().splitlines()[-1])
    import torch

    import recsys_nb
    r.update(machine=f"{platform.machine()}, {__import__('os').cpu_count()} cores, {platform.system()}",
             versions={"recsys_nb": recsys_nb.__version__, "torch": torch.__version__}, date=time.strftime("%Y-%m-%d %H:%M:%S"),
             command=" ".join(["python", "bench/recommend_speed.py", *sys.argv[1:]]))
    print(f"recommend --all-users, {r['shape']}-shaped ({r['users']:,} users x {r['items']:,} items, {r['interactions']:,} "
          f"interactions), SASRec defaults, top {r['k']}, {r['batch_size']} users a chunk, {r['threads']} threads on {r['device']}: "
          f"{r['seconds']:.1f} s ({r['users_per_s']:,.0f} users/s), Parquet {r['parquet_mb']:.1f} MB in {r['parquet_seconds']:.1f} s, "
          f"peak RSS {r['peak_rss_mb']:,.0f} MB ({r['rss_before_mb']:,.0f} MB before recommending), "
          f"seen items recommended in a 2,000-user sample: {r['seen_items_recommended_in_sample']}")
    if a.out is not None: a.out.write_text(json.dumps(r, indent=2) + "\n")

if __name__ == "__main__":
    main()
