"""Benchmark: training speed of SASRec and BERT4Rec on ML-1m- and ML-25m-shaped synthetic data, and full-ranking evaluation time.

Data: interactions drawn with vectorised NumPy (no per-user Python), shaped like ML-1m (6,040 users, 3,706 items,
1,000,209 interactions) or ML-25m (162,541 users, 59,047 items, 25,000,095 interactions): per-user counts at least 20
with a long (lognormal) tail, items drawn with replacement from a Zipf(0.9)-like popularity. They become an
`Interactions` log (`recsys_nb.data.interactions`) and a leave-one-out `Split` (`recsys_nb.data.split.leave_one_out`).
`--scale F` keeps the catalogue and shrinks users and interactions by F (stated in the output).

Training: the models' own batches (`model.train_batches(split, ...)`, on the device) and loss (`model.loss(batch)`:
SASRec's `chunked_cross_entropy`, BERT4Rec's `catalogue_ce`), the library's Adam (`trainers.make_optimizer`, fused
where torch has it); every step is forward, backward and optimizer step. One warm-up epoch (or `--warmup-steps`)
then `--epochs` timed epochs; on CUDA the clock is read after `torch.cuda.synchronize()`. `--max-steps N` times only
the first N steps of each epoch and extrapolates seconds per epoch from the mean step time (marked in the output).
Variants: bf16 autocast on/off and `torch.compile` on/off (`--compile-scope encoder`: the transformer,
`SequenceEncoder.compile()` in place; `loss`: `torch.compile(model.loss)`). Each variant runs in its own process, so
peak memory is its own (CUDA: `torch.cuda.max_memory_allocated` over the timed epochs; CPU: the process's peak RSS)
and a failure (a compile error, out of memory) becomes a row with the error instead of a crash.

MFU (GPU only): 3 x analytic forward FLOPs / seconds / peak bf16 dense FLOP/s of the GPU (looked up by its name, or
`--peak-flops`). Forward FLOPs of a batch: per real (non-padding) token and layer 8d^2 + 4 d d_ff (projections and
feed-forward) + 4 d L (attention scores and values, L the batch's sequence length), plus 2 d n_items per target
position for the output layer. Embedding lookups, norms and softmax are not counted. The same peak is used for bf16
and fp32 rows.

Evaluation: `recsys_nb.evaluate.evaluate` over every test user of the split (full ranking, top-10, seen items
excluded), through `model.score` in chunks of `--eval-chunk` users, with an untrained model (speed does not depend
on the weights). This is a benchmark, not a test: nothing is asserted.
Usage: python bench/train_speed.py [--device cuda|cpu] [--shape ml-1m|ml-25m|all] [--models sasrec,bert4rec]
       [--epochs 1] [--max-steps N] [--warmup-steps N] [--scale F] [--batch-size 128] [--d-model 64] [--n-layers 2]
       [--n-heads 2] [--max-len 200] [--compile on,off] [--compile-scope encoder|loss] [--bf16 on,off]
       [--peak-flops F] [--threads 1] [--no-eval] [--out bench/results/train_speed_<device>]
"""
from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import resource
import shlex
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHAPES = {"ml-1m": dict(users=6_040, items=3_706, interactions=1_000_209),
          "ml-25m": dict(users=162_541, items=59_047, interactions=25_000_095)}
MODELS = ("sasrec", "bert4rec")
MIN_LEN = 20  # MovieLens keeps users with at least 20 ratings
# Peak dense bf16 tensor FLOP/s (no sparsity), from the vendors' data sheets; the first matching entry wins.
PEAK_BF16 = [(("GH200",), 989e12), (("H200",), 989e12), (("H100", "PCIE"), 756e12), (("H100", "NVL"), 835e12),
             (("H100",), 989e12), (("B200",), 2250e12), (("A100",), 312e12), (("L40S",), 362e12), (("L4",), 121e12)]

def peak_flops_for(name:str) -> float|None:
    "Peak bf16 dense FLOP/s of a GPU from its name (`torch.cuda.get_device_name`), None when unknown."
    up = name.upper()
    for keys, f in PEAK_BF16:
        if all(k in up for k in keys): return f
    return None

def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**10  # Linux: KiB

def _flags(s:str, allowed) -> list[str]:
    out = [x.strip().lower() for x in s.split(",") if x.strip()]
    bad = [x for x in out if x not in allowed]
    if bad or not out: raise argparse.ArgumentTypeError(f"expected a comma-separated list of {sorted(allowed)}, got {s!r}")
    return list(dict.fromkeys(out))

# ---------------------------------------------------------------- data (parent process, once per shape)

def make_data(shape:str, scale:float, seed:int=0) -> dict:
    "Users and items of an ML-shaped log, grouped by user (vectorised NumPy); a user's order is its time order."
    import numpy as np
    s = SHAPES[shape]
    n_items = s["items"]
    n_users = max(4, int(round(s["users"] * scale)))
    n = max(n_users * MIN_LEN, int(round(s["interactions"] * scale)))
    rng = np.random.default_rng(seed)
    w = rng.lognormal(0.0, 1.2, n_users)                         # long tail, median/mean about 0.5 as in MovieLens
    counts = MIN_LEN + np.floor(w / w.sum() * (n - MIN_LEN * n_users)).astype(np.int64)
    counts[rng.choice(n_users, n - int(counts.sum()), replace=False)] += 1
    counts = np.minimum(counts, n_items)                         # nobody rates more than the catalogue
    users = np.repeat(np.arange(n_users, dtype=np.int32), counts)
    pop = 1 / np.arange(1, n_items + 1) ** 0.9
    perm = rng.permutation(n_items).astype(np.int32) + 1          # popular items are not the low ids
    items = perm[rng.choice(n_items, len(users), p=pop / pop.sum())]
    return {"users": users, "items": items, "n_users": n_users, "n_items": n_items}

def load_split(path:str):
    "The `Interactions` log and leave-one-out `Split` of a file written by `make_data` (via `np.savez`)."
    import numpy as np
    import pandas as pd

    from recsys_nb.data.interactions import Interactions
    from recsys_nb.data.split import leave_one_out
    z = np.load(path)
    u, it = z["users"].astype(np.int64), z["items"].astype(np.int64)
    nu, ni = int(z["n_users"]), int(z["n_items"])
    starts = np.searchsorted(u, np.arange(nu))
    ts = np.arange(len(u), dtype=np.int64) - starts[u]           # position in the user's history
    df = pd.DataFrame({"user": u, "item": it, "rating": np.ones(len(u), np.float32), "timestamp": ts}, copy=False)
    inter = Interactions(df, nu, ni, np.arange(1, nu + 1), np.arange(1, ni + 1), name=str(z["name"]),
                         info={"implicit": True, "source": "bench/train_speed.py synthetic"})
    return leave_one_out(inter)

# ---------------------------------------------------------------- workers (one variant per process)

def _objective(job:dict) -> dict:
    "The model options of `--loss`, `--n-neg` and `--ce-impl` (only those given)."
    kw = {"ce_impl": job.get("ce_impl") or "auto"}
    if job.get("loss"): kw["loss"] = job["loss"]
    if job.get("n_neg"): kw["n_neg"] = job["n_neg"]
    return kw

def build_model(job:dict, split):
    from recsys_nb.experiment import recipe
    from recsys_nb.models.bert4rec import BERT4Rec
    from recsys_nb.models.sasrec import SASRec
    if job.get("recipe") == "cli":   # the command line's defaults: `recsys-nb train --model M` (architecture and objective)
        cls = SASRec if job["model"] == "sasrec" else BERT4Rec
        return cls.from_split(split, **{**recipe(job["model"]).model, **_objective(job)})
    kw = dict(max_len=job["max_len"], d_model=job["d_model"], n_layers=job["n_layers"], n_heads=job["n_heads"], **_objective(job))
    # the architectures these rows have always timed (the constructors' defaults before the recipes of issue 14)
    if job["model"] == "sasrec":
        return SASRec.from_split(split, ce_chunk=job["ce_chunk"], dropout=0.2, attn_dropout=None, pre_norm=True, **kw)
    return BERT4Rec.from_split(split, **({"loss_chunk": job["loss_chunk"]} if job["loss_chunk"] else {}), head_transform=False, **kw)

def _setup(job:dict):
    import torch
    torch.set_num_threads(job["threads"])
    torch.manual_seed(0)
    t = time.perf_counter()
    split = load_split(job["data"])
    return split, time.perf_counter() - t

def _sync(dev):
    import torch
    if dev.type == "cuda": torch.cuda.synchronize(dev)

def train_stage(job:dict) -> dict:
    import math

    import torch

    from recsys_nb.trainers import make_optimizer
    dev = torch.device(job["device"])
    split, load_s = _setup(job)
    model = build_model(job, split).to(dev)
    if job.get("no_trim") and hasattr(model, "trim"): model.trim = False   # SASRec: static shapes, no wait on the device
    t = time.perf_counter()
    # the batches these rows have always timed (the training data's defaults before the recipes of issue 14):
    # SASRec rows without overlap in length buckets of 100 batches, BERT4Rec's history chunks with BERT's 80/10/10 masking
    dkw = (dict(bucket=100 if job["bucket"] is None else job["bucket"], chunk_stride=1.0) if job["model"] == "sasrec"
           else dict(prefixes=False, random_prob=0.1, keep_prob=0.1))
    dkw["batch_size"] = job["batch_size"]
    if job.get("recipe") == "cli":        # the CLI's batches too (BERT4Rec: every prefix a row), and its batch size
        from recsys_nb.experiment import recipe
        dkw = dict(recipe(job["model"]).data)
        if job.get("bucket") is not None: dkw["bucket"] = job["bucket"]
    if job.get("round_to") and job["model"] == "bert4rec" and dkw.get("bucket"): dkw["round_to"] = job["round_to"]
    batcher = model.train_batches(split, seed=0, device=dev, **dkw)
    _sync(dev); batcher_s = time.perf_counter() - t
    opt = make_optimizer(model, "adam", lr=1e-3)
    fused = bool(opt.defaults.get("fused"))
    loss_fn = model.loss
    if job["compile"]:
        if job["compile_scope"] == "encoder": model.encoder.compile()
        else: loss_fn = torch.compile(model.loss)
    model.train()
    n_epoch = len(batcher)
    L = model.max_len
    causal = job["model"] == "sasrec"

    def counts(b):
        "Rows, and (real tokens, target positions, real tokens x the batch's sequence length) as a device tensor (no sync)."
        if causal: x, y = b["inputs"][:, -L:], b["targets"][:, -L:]
        else: x, y = b["tokens"][:, -L:], b["labels"][:, -L:]
        real = x != 0
        ntok = real.sum()
        lb = real.sum(1).max() if causal else x.shape[1]  # SASRec's loss trims the columns that are padding in every row (BERT4Rec's batcher, with bucket)
        return len(x), torch.stack([ntok, (y > 0).sum(), ntok * lb])

    def run_epoch(epoch:int, limit:int):
        acc = torch.zeros(3, dtype=torch.int64, device=dev)
        first = last = None; steps = rows = 0
        _sync(dev); t0, c0 = time.perf_counter(), time.process_time()
        for b in batcher.batches(epoch):
            with torch.autocast(dev.type, dtype=torch.bfloat16, enabled=job["bf16"]):
                loss = loss_fn(b)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            r, c = counts(b); rows += r; acc += c
            last = loss.detach()
            if first is None: first = last
            steps += 1
            if steps >= limit: break                  # before the next batch is built: it is not part of these steps
        _sync(dev)
        return time.perf_counter() - t0, time.process_time() - c0, steps, [rows] + acc.tolist(), float(first), float(last)

    rss_before = peak_rss_mb()
    warm_limit = job["warmup_steps"] or (job["max_steps"] or n_epoch)
    warm_s, _, warm_steps, _, loss0, _ = run_epoch(0, warm_limit)
    if dev.type == "cuda": torch.cuda.reset_peak_memory_stats(dev)
    limit = min(job["max_steps"] or n_epoch, n_epoch)
    secs, cpu, steps, tot, losses = 0.0, 0.0, 0, [0, 0, 0, 0], []
    for e in range(1, job["epochs"] + 1):
        s, cs, k, c, _, lo = run_epoch(e, limit)
        secs += s; cpu += cs; steps += k; tot = [a + b for a, b in zip(tot, c)]; losses.append(lo)
    mem = torch.cuda.max_memory_allocated(dev) / 2**20 if dev.type == "cuda" else peak_rss_mb()
    rows, ntok, nlab, attn = tot
    enc = model.encoder
    d, dff, nl = enc.d_model, enc.blocks[0].ff[0].out_features, len(enc.blocks)
    objective = getattr(model, "objective", getattr(model, "loss_type", "ce"))
    cols = split.data.n_items if objective == "ce" else model.n_neg + 1    # the output layer's columns per target
    fwd = nl * (ntok * (8 * d * d + 4 * d * dff) + 4 * d * attn) + nlab * 2 * d * cols
    flops = 3 * fwd
    extrap = limit < n_epoch
    s_epoch = secs / steps * n_epoch if extrap else secs / job["epochs"]
    peak = job["peak_flops"]
    return {"status": "ok", "s_per_epoch": s_epoch, "extrapolated": extrap, "steps_timed": steps, "steps_per_epoch": n_epoch,
            "epochs_timed": job["epochs"], "timed_s": secs, "timed_cpu_s": cpu,
            "cpu_s_per_epoch": cpu / steps * n_epoch if extrap else cpu / job["epochs"], "seq_per_s": rows / secs, "tok_per_s": ntok / secs,
            "targets_per_s": nlab / secs, "peak_mem_mb": mem, "tflops_per_s": flops / secs / 1e12,
            "mfu": flops / secs / peak if (peak and dev.type == "cuda") else None,
            "flops_per_step": flops / steps, "mean_real_len": ntok / max(rows, 1),
            "warmup_s": warm_s, "warmup_steps": warm_steps, "loss_first": loss0, "loss_last": losses[-1],
            "loss_finite": all(math.isfinite(x) for x in [loss0] + losses), "fused_adam": fused,
            "rss_before_train_mb": rss_before, "load_split_s": load_s, "batcher_build_s": batcher_s, "train_rows": batcher.n_rows,
            "objective": objective, "n_neg": None if objective == "ce" else model.n_neg, "d_model": d, "n_layers": nl,
            "batch_size": batcher.batch_size, "ce_backend": _ce_backend(model, dev)}

def _ce_backend(model, dev) -> str:
    from recsys_nb.models.losses import ce_backend
    return ce_backend(model.ce_impl, dev)

def eval_stage(job:dict) -> dict:
    import torch

    from recsys_nb.data.batchers import EvalBatcher
    from recsys_nb.evaluate import evaluate
    dev = torch.device(job["device"])
    split, _ = _setup(job)
    model = build_model(job, split).to(dev).eval()
    data = EvalBatcher.from_split(split, "test", max_len=job["max_len"])
    before = peak_rss_mb()
    if dev.type == "cuda": torch.cuda.reset_peak_memory_stats(dev)
    _sync(dev); t, c0 = time.perf_counter(), time.process_time()
    with torch.autocast(dev.type, dtype=torch.bfloat16, enabled=job["bf16"]):
        r = evaluate(model, data, ks=(10,), exclude_seen=True, chunk_size=job["eval_chunk"])
    _sync(dev); sec, cpu = time.perf_counter() - t, time.process_time() - c0
    mem = torch.cuda.max_memory_allocated(dev) / 2**20 if dev.type == "cuda" else peak_rss_mb()
    return {"status": "ok", "users": r.n_users, "items": split.data.n_items, "seconds": sec, "cpu_seconds": cpu, "users_per_s": r.n_users / sec,
            "peak_mem_mb": mem, "rss_before_eval_mb": before, "chunk": job["eval_chunk"], "HR@10": r["HR@10"]}

def child(job:dict):
    "Run one job and print its result as the last line of stdout (errors become a result with `error`)."
    try: res = (train_stage if job["stage"] == "train" else eval_stage)(job)
    except Exception as e:
        tb = traceback.format_exc()
        print(tb, file=sys.stderr)
        res = {"status": "error", "error": f"{type(e).__name__}: {str(e).strip().splitlines()[0][:300] if str(e).strip() else ''}",
               "traceback_tail": tb[-1500:]}
    print(json.dumps(res))

def run_child(job:dict, timeout:float) -> dict:
    try:
        p = subprocess.run([sys.executable, __file__, "--job", json.dumps(job)], capture_output=True, text=True, timeout=timeout,
                           cwd=REPO)
    except subprocess.TimeoutExpired:
        return {"status": "error", "error": f"timed out after {timeout:.0f} s"}
    lines = p.stdout.strip().splitlines()
    if p.returncode == 0 and lines:
        try: return json.loads(lines[-1])
        except json.JSONDecodeError: pass
    tail = (p.stderr or p.stdout).strip().splitlines()
    return {"status": "error", "error": f"process exited with {p.returncode}: {tail[-1][:300] if tail else 'no output'}",
            "traceback_tail": (p.stderr or "")[-1500:]}

# ---------------------------------------------------------------- report

def machine(device:str, threads:int) -> dict:
    import numpy as np
    import pandas as pd
    import torch

    import recsys_nb
    cpu = platform.processor() or platform.machine()
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"): cpu = line.split(":", 1)[1].strip(); break
    except OSError: pass
    m = {"device": device, "device_name": torch.cuda.get_device_name(0) if device.startswith("cuda") else cpu,
         "cpu": cpu, "cpu_count": os.cpu_count(), "torch_threads": threads, "torch": torch.__version__,
         "cuda": torch.version.cuda, "numpy": np.__version__, "pandas": pd.__version__, "recsys_nb": recsys_nb.__version__,
         "python": platform.python_version(), "date": datetime.datetime.now().isoformat(timespec="seconds"),
         "command": "python " + shlex.join([os.path.relpath(sys.argv[0], REPO) if os.path.isabs(sys.argv[0]) else sys.argv[0]] + sys.argv[1:])}
    return m

def _f(x, spec:str, na:str="") -> str:
    return na if x is None else format(x, spec)

def _mem(x) -> str: return "" if x is None else (f"{x / 1024:.2f} GB" if x >= 1024 else f"{x:.0f} MB")

def markdown(out:dict) -> str:
    m, c = out["machine"], out["config"]
    mem_kind = "torch.cuda.max_memory_allocated" if c["device"].startswith("cuda") else "peak RSS of the process"
    lines = ["# Training speed: SASRec and BERT4Rec on ML-shaped synthetic data", "",
             f"`{m['command']}` ({m['date']})", "",
             f"Machine: {m['device_name']} ({c['device']}); {m['cpu_count']} CPUs, {m['torch_threads']} torch thread(s); "
             f"torch {m['torch']}" + (f" (CUDA {m['cuda']})" if m["cuda"] else "") + f", recsys_nb {m['recsys_nb']}, "
             f"numpy {m['numpy']}, pandas {m['pandas']}, Python {m['python']}", "",
             f"Models: d_model {c['d_model']}, {c['n_layers']} layers, {c['n_heads']} heads, max_len {c['max_len']}, "
             f"batch {c['batch_size']}, Adam lr 1e-3; SASRec ce_chunk {c['ce_chunk'] or 'auto'}, "
             f"bucket {c['bucket'] if c['bucket'] is not None else 100}; BERT4Rec loss_chunk "
             f"{c['loss_chunk'] or 'default'}; compile scope: {c['compile_scope']}.", ""]
    for sh, d in out["data"].items():
        lines.append(f"- {sh}: {d['n_users']:,} users, {d['n_items']:,} items, {d['n_interactions']:,} interactions"
                     + (f" (**scale {c['scale']}** of the real shape: users and interactions shrunk, catalogue kept)" if c["scale"] != 1 else "")
                     + f"; leave-one-out: {d['n_train']:,} training interactions, {d['n_test_users']:,} test users")
    cpu = c["device"] == "cpu"
    lines += ["", f"Warm-up: {'one epoch' if not (c['warmup_steps'] or c['max_steps']) else str(c['warmup_steps'] or c['max_steps']) + ' steps'}; "
              f"timed: {c['epochs']} epoch(s)" + (f", **first {c['max_steps']} steps of each, s/epoch extrapolated** "
              "(mean step time x steps per epoch; marked *)" if c["max_steps"] else "") + ".",
              f"Peak memory: {mem_kind}. TFLOP/s: 3 x analytic forward FLOPs (transformer + output layer over the catalogue, "
              "real tokens only) / time. MFU: that / "
              + (f"{c['peak_flops'] / 1e12:.0f} TFLOP/s (bf16 dense peak of this GPU)." if c["peak_flops"] and c["device"] == "cuda"
                 else "the GPU's bf16 dense peak: n/a here (CPU, or a GPU whose peak is unknown: pass --peak-flops)."),
              *([] if not cpu else ["CPU s/epoch: the process's CPU seconds (all its threads) over the same steps: on a shared, "
                                    "busy machine the wall time also measures the other processes, the CPU time the work."]),
              "Recipe: `bench` is the fixed architecture above; `cli` the command line's defaults (`recipe(model)`: its "
              "architecture, objective and batches). Objective: `ce` the full softmax (through the `CE` backend: `chunked` or "
              "`cce`, the fused kernel of cut-cross-entropy), `sampled`/`gbce` with the negatives stated.",
              "", "| shape | model | recipe | objective | CE | bf16 | compile | s/epoch |" + (" CPU s/epoch |" if cpu else "")
              + " sequences/s | tokens/s | peak memory | TFLOP/s | MFU | steps timed | status |",
              "|---|---|---|---|---|---|---|---|" + ("---|" if cpu else "") + "---|---|---|---|---|---|---|"]
    for r in out["train"]:
        ok = r["status"] == "ok"
        obj = r.get("objective", "ce") + (f" ({r['n_neg']})" if r.get("n_neg") else "")
        lines.append(f"| {r['shape']} | {r['model']} | {r.get('recipe', 'bench')} | {obj if ok else ''} | "
                     f"{r.get('ce_backend', 'chunked') if ok and obj == 'ce' else ''} | {r['bf16']} | {r['compile']}"
                     f"{', no trim' if c.get('no_trim') and r['model'] == 'sasrec' else ''} | "
                     + (f"{r['s_per_epoch']:.1f}{'*' if r['extrapolated'] else ''} | "
                        + (f"{r['cpu_s_per_epoch']:.1f}{'*' if r['extrapolated'] else ''} | " if cpu else "")
                        + f"{r['seq_per_s']:,.0f} | {r['tok_per_s']:,.0f} | "
                        f"{_mem(r['peak_mem_mb'])} | {r['tflops_per_s']:.3f} | {_f(r['mfu'], '.2%', 'n/a')} | "
                        f"{r['steps_timed']} of {r['steps_per_epoch']}/epoch | ok |" if ok else
                        " |" + ("  |" if cpu else "") + "  |  |  |  |  |  | error: " + r['error'].replace('|', '/') + " |"))
    if out["eval"]:
        lines += ["", "**Full-ranking evaluation** (`recsys_nb.evaluate.evaluate`: all test users, top-10 over the whole "
                  f"catalogue, seen items excluded, {c['eval_chunk']} users per chunk, untrained model)", "",
                  "| shape | model | bf16 | users | items | seconds |" + (" CPU seconds |" if cpu else "") + " users/s | peak memory | status |",
                  "|---|---|---|---|---|---|" + ("---|" if cpu else "") + "---|---|---|"]
        for r in out["eval"]:
            ok = r["status"] == "ok"
            lines.append(f"| {r['shape']} | {r['model']} | {r['bf16']} | " + (
                f"{r['users']:,} | {r['items']:,} | {r['seconds']:.2f} | " + (f"{r['cpu_seconds']:.2f} | " if cpu else "")
                + f"{r['users_per_s']:,.0f} | {_mem(r['peak_mem_mb'])} | ok |" if ok
                else " |" + ("  |" if cpu else "") + "  |  |  |  | error: " + r['error'].replace('|', '/') + " |"))
    return "\n".join(lines) + "\n"

def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--job", help=argparse.SUPPRESS)
    ap.add_argument("--device", choices=["cuda", "cpu"], default=None, help="default: cuda when available")
    ap.add_argument("--shape", choices=[*SHAPES, "all"], default="all")
    ap.add_argument("--models", type=lambda s: _flags(s, MODELS), default=list(MODELS))
    ap.add_argument("--epochs", type=int, default=1, help="timed epochs, after one warm-up epoch")
    ap.add_argument("--max-steps", type=int, default=None, help="time only the first N steps of each epoch; extrapolate s/epoch")
    ap.add_argument("--warmup-steps", type=int, default=None, help="warm-up steps (default: --max-steps, else one epoch)")
    ap.add_argument("--scale", type=float, default=1.0, help="shrink users and interactions by this factor (catalogue kept)")
    ap.add_argument("--batch-size", type=int, default=128)
    ap.add_argument("--d-model", type=int, default=64)
    ap.add_argument("--n-layers", type=int, default=2)
    ap.add_argument("--n-heads", type=int, default=2)
    ap.add_argument("--max-len", type=int, default=200)
    ap.add_argument("--ce-chunk", type=int, default=None, help="SASRec ce_chunk (positions per CE chunk; default: the model's automatic)")
    ap.add_argument("--loss-chunk", type=int, default=None, help="BERT4Rec loss_chunk (logits per CE chunk; default: the model's)")
    ap.add_argument("--bucket", type=int, default=None, help="SASRec batches per length bucket (default: 100)")
    ap.add_argument("--compile", type=lambda s: _flags(s, ("on", "off")), default=["off", "on"])
    ap.add_argument("--recipe", choices=["bench", "cli"], default="bench",
                    help="bench: the fixed architecture of --d-model etc.; cli: the command line's defaults (recipe(model))")
    ap.add_argument("--loss", choices=["auto", "ce", "sampled", "gbce"], default=None, help="objective (default: the model's or recipe's)")
    ap.add_argument("--n-neg", type=int, default=None, help="negatives of --loss sampled|gbce (default: the model's)")
    ap.add_argument("--round-to", type=int, default=None, help="BERT4Rec bucketed prefix batches: widths rounded up to a multiple of this")
    ap.add_argument("--no-trim", action="store_true", help="SASRec trim=False: every batch keeps max_len columns (no device wait)")
    ap.add_argument("--ce-impl", type=lambda s: _flags(s, ("auto", "chunked", "cce")), default=["auto"],
                    help="full cross-entropy backends to time side by side (comma-separated; auto: cce on CUDA when installed)")
    ap.add_argument("--compile-scope", choices=["encoder", "loss"], default="encoder")
    ap.add_argument("--bf16", type=lambda s: _flags(s, ("on", "off")), default=None, help="default: off,on on CUDA, off on CPU")
    ap.add_argument("--peak-flops", type=float, default=None, help="peak bf16 dense FLOP/s for MFU (default: by GPU name)")
    ap.add_argument("--eval-chunk", type=int, default=1024)
    ap.add_argument("--no-eval", action="store_true")
    ap.add_argument("--threads", type=int, default=1, help="torch threads (default 1, as bench/compare.py)")
    ap.add_argument("--timeout", type=float, default=3600, help="seconds allowed to each variant's process")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", default=None, help="path prefix of the .json and .md (default bench/results/train_speed_<device>)")
    a = ap.parse_args()
    if a.job: child(json.loads(a.job)); return
    import numpy as np
    import torch
    if a.device is None: a.device = "cuda" if torch.cuda.is_available() else "cpu"
    if a.device == "cuda" and not torch.cuda.is_available(): sys.exit("--device cuda: CUDA is not available")
    if not 0 < a.scale <= 1: sys.exit(f"--scale must be in (0, 1], got {a.scale}")
    for k in ("epochs", "batch_size", "d_model", "n_layers", "n_heads", "max_len", "threads", "eval_chunk"):
        if getattr(a, k) < 1: sys.exit(f"--{k.replace('_', '-')} must be >= 1")
    if a.max_steps is not None and a.max_steps < 1: sys.exit("--max-steps must be >= 1")
    bf16 = a.bf16 or (["off", "on"] if a.device == "cuda" else ["off"])
    peak = a.peak_flops if a.peak_flops else (peak_flops_for(torch.cuda.get_device_name(0)) if a.device == "cuda" else None)
    shapes = list(SHAPES) if a.shape == "all" else [a.shape]
    out_prefix = Path(a.out) if a.out else REPO/"bench"/"results"/f"train_speed_{a.device}"
    if out_prefix.suffix in (".json", ".md"): out_prefix = out_prefix.with_suffix("")
    jpath, mpath = Path(f"{out_prefix}.json"), Path(f"{out_prefix}.md")
    m = machine(a.device, a.threads)
    config = {k: getattr(a, k) for k in ("device", "epochs", "max_steps", "warmup_steps", "scale", "batch_size", "d_model",
                                        "n_layers", "n_heads", "max_len", "ce_chunk", "loss_chunk", "bucket", "compile_scope",
                                        "eval_chunk", "seed", "threads", "recipe", "loss", "n_neg", "no_trim", "round_to")}
    config.update(shapes=shapes, models=a.models, bf16=bf16, compile=a.compile, peak_flops=peak, ce_impl=a.ce_impl)
    print(f"{m['device_name']} ({a.device}); {m['cpu_count']} CPUs, {a.threads} torch thread(s); torch {m['torch']}; {m['date']}")
    print(m["command"])
    if a.scale != 1: print(f"scale {a.scale}: users and interactions shrunk, catalogue kept")
    if a.max_steps: print(f"timing the first {a.max_steps} steps of each epoch; s/epoch extrapolated")
    out = {"machine": m, "config": config, "data": {}, "train": [], "eval": []}
    base = dict(device=a.device, max_len=a.max_len, d_model=a.d_model, n_layers=a.n_layers, n_heads=a.n_heads,
                ce_chunk=a.ce_chunk, loss_chunk=a.loss_chunk, bucket=a.bucket, batch_size=a.batch_size, epochs=a.epochs,
                max_steps=a.max_steps, warmup_steps=a.warmup_steps, compile_scope=a.compile_scope, threads=a.threads,
                peak_flops=peak, eval_chunk=a.eval_chunk, recipe=a.recipe, loss=a.loss, n_neg=a.n_neg, no_trim=a.no_trim, round_to=a.round_to)
    with tempfile.TemporaryDirectory(prefix="train_speed_") as tmp:
        for sh in shapes:
            t = time.perf_counter()
            d = make_data(sh, a.scale, a.seed)
            path = str(Path(tmp)/f"{sh}.npz")
            np.savez(path, users=d["users"], items=d["items"], n_users=d["n_users"], n_items=d["n_items"], name=sh)
            split = load_split(path)
            gen_s = time.perf_counter() - t
            out["data"][sh] = {"n_users": d["n_users"], "n_items": d["n_items"], "n_interactions": len(d["users"]),
                               "n_train": int(split.info["n_train"]), "n_test_users": int(split.info["n_test_users"]),
                               "scale": a.scale, "generate_s": gen_s}
            del split, d
            print(f"{sh}: {out['data'][sh]['n_users']:,} users x {out['data'][sh]['n_items']:,} items, "
                  f"{out['data'][sh]['n_interactions']:,} interactions (generated and split in {gen_s:.1f} s)", flush=True)
            for model in a.models:
                for b in bf16:
                    for c, ce in [(c, ce) for c in a.compile for ce in a.ce_impl]:
                        job = {**base, "stage": "train", "data": path, "model": model, "bf16": b == "on", "compile": c == "on", "ce_impl": ce}
                        r = {"shape": sh, "model": model, "recipe": a.recipe, "bf16": b, "compile": c, "ce_impl": ce, **run_child(job, a.timeout)}
                        out["train"].append(r)
                        print(f"  train {model:<8} {a.recipe:<5} CE {ce:<7} bf16 {b:<3} compile {c:<3} " + (
                            f"{r['s_per_epoch']:8.1f} s/epoch{'*' if r['extrapolated'] else ' '} {r['seq_per_s']:9,.0f} seq/s "
                            f"{r['tok_per_s']:11,.0f} tok/s  mem {_mem(r['peak_mem_mb']):>9}  MFU {_f(r['mfu'], '.2%', 'n/a')}"
                            if r["status"] == "ok" else f"error: {r['error']}"), flush=True)
                    if a.no_eval: continue
                    job = {**base, "stage": "eval", "data": path, "model": model, "bf16": b == "on", "compile": False, "ce_impl": "auto"}
                    r = {"shape": sh, "model": model, "bf16": b, **run_child(job, a.timeout)}
                    out["eval"].append(r)
                    print(f"  eval  {model:<8} bf16 {b:<3} " + (
                        f"{r['users']:,} users x {r['items']:,} items: {r['seconds']:.2f} s, {r['users_per_s']:,.0f} users/s, "
                        f"mem {_mem(r['peak_mem_mb'])}" if r["status"] == "ok" else f"error: {r['error']}"), flush=True)
    md = markdown(out)
    out_prefix.parent.mkdir(parents=True, exist_ok=True)
    jpath.write_text(json.dumps(out, indent=2) + "\n")
    mpath.write_text(md)
    print()
    print(md)
    print(f"wrote {jpath} and {mpath}")

if __name__ == "__main__":
    main()
