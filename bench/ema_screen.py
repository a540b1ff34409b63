"""Weight-average screen: several `trainer.ema` half-lives scored on validation from one training run.

`Trainer(ema=H)` changes what is evaluated (an exponential moving average of the weights, half-life H epochs of
steps), never how the model trains: the same seed gives the same losses whatever H is. So one `recsys-nb train` run
can score several half-lives side by side, with the trained weights (H = 0) among them, at each of its validations,
where separate runs would cost one training each. The run itself is the plain CLI run with its own options (its
`trainer.ema`, early stopping, checkpoints, refit and test are untouched); this script keeps one more
`torch.optim.swa_utils.AveragedModel` per other half-life, updated after every optimizer step exactly as the
`Trainer` updates its own, and scores each at every validation of the run (before the refit; the refit has none).

Read a half-life's best as what that setting would have selected within the run's epochs: the run stops by its own
half-life's patience, so a curve whose best is its last validation is marked `"rising": true` (it may peak later).
The choice of a default is made on these validation curves; the test (the run's own) plays no part.

The script writes `bench/results/ema-screen-<dataset>-<model>-seed<S>[-<tag>].json` (every curve, each half-life's
best, the run's metrics, the command, the commit) and prints a table. This is a benchmark, not a test.

Usage: python bench/ema_screen.py --dataset amazon-beauty --model bert4rec --half-lives 0 1 2 [--seed 0] [--threads 1]
       [-o trainer.ema=2 -o eval.refit=false ...] [--tag T] [--runs-dir runs/ema-screen] [--out-dir bench/results]
"""
from __future__ import annotations

import argparse
import functools
import json
import math
import os
import shlex
import subprocess
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _commit() -> str:
    try: return subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError): return "unknown"


def _label(h:float) -> str: return f"{h:g}"


def best_of(curve:list[dict], monitor:str) -> dict:
    "The validation with the highest `monitor` (the first of equals, as the `Trainer` keeps it), and whether it is the last one."
    i = max(range(len(curve)), key=lambda j: (curve[j][monitor], -j))
    return {**curve[i], "rising": i == len(curve) - 1}


def patch_trainer(half_lives:list[float], rows:list[dict]):
    "Make every `Trainer` with validation data score `half_lives` at each validation of `fit`, appending to `rows`."
    from torch.optim.swa_utils import AveragedModel, get_ema_multi_avg_fn

    from recsys_nb.evaluate import evaluate
    from recsys_nb.trainers import Trainer
    init, validate, fit = Trainer.__init__, Trainer.validate, Trainer.fit

    @functools.wraps(init)   # the recipe layer reads the signature
    def __init__(self, model, *a, **k):
        init(self, model, *a, **k)
        self._screen = {}
        if self.opt is None or self.valid is None: return
        own = self.hparams.get("ema") or 0.0
        n = len(self.train_data) if hasattr(self.train_data, "__len__") else 1
        if self.max_batches: n = min(n, self.max_batches)
        for h in half_lives:
            if h == own: self._screen[h] = None                    # the run's own: its validation result
            elif h == 0: self._screen[h] = model                   # the trained weights
            else: self._screen[h] = AveragedModel(model, multi_avg_fn=get_ema_multi_avg_fn(0.5 ** (1 / (h * max(1, n)))))
        extra = [m for m in self._screen.values() if isinstance(m, AveragedModel)]
        step = self.opt.step
        def stepped(*args, **kw):
            out = step(*args, **kw)
            for m in extra: m.update_parameters(self.model)
            return out
        self.opt.step = stepped

    @functools.wraps(validate)
    def scored(self, data=None):
        res = validate(self, data)
        if getattr(self, "_fitting", False) and (data is None or data is self.valid) and self._screen:
            row = {"epoch": self.epoch + 1}
            for h, m in self._screen.items():
                if m is None: r = res
                else:
                    m = m.module if isinstance(m, AveragedModel) else m
                    was = m.training; m.eval()
                    try: r = evaluate(m, self.valid, ks=self.ks, exclude_seen=self.exclude_seen, chunk_size=self.eval_chunk_size).metrics
                    finally: m.train(was)
                row[_label(h)] = {k: float(v) for k, v in r.items() if k != "valid_loss"}
            rows.append(row)
        return res

    @functools.wraps(fit)
    def fitting(self, *a, **k):
        self._fitting = True
        try: return fit(self, *a, **k)
        finally: self._fitting = False

    Trainer.__init__, Trainer.validate, Trainer.fit = __init__, scored, fitting


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--dataset", required=True); ap.add_argument("--model", required=True)
    ap.add_argument("--half-lives", type=float, nargs="+", required=True, metavar="H", help="half-lives in epochs to score (0: the trained weights)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("-o", "--option", action="append", default=[], metavar="SECTION.KEY=VALUE", help="options of the run (its own trainer.ema among them)")
    ap.add_argument("--threads", type=int, default=1, help="torch/BLAS threads")
    ap.add_argument("--tag", help="suffix of the result file")
    ap.add_argument("--runs-dir", type=Path, default=ROOT/"runs"/"ema-screen")
    ap.add_argument("--out-dir", type=Path, default=ROOT/"bench"/"results")
    a = ap.parse_args(argv)
    bad = [h for h in a.half_lives if not (0 <= h < math.inf)]
    if bad: ap.error(f"--half-lives take numbers of epochs, at least 0 (0: the trained weights), got {bad}")
    mon = [o.split("=", 1)[1] for o in a.option if o.startswith("trainer.monitor=")]
    if mon and mon[-1].endswith("loss"): ap.error(f"trainer.monitor={mon[-1]}: the screen scores ranking metrics; monitor one (default NDCG@10)")
    hs = list(dict.fromkeys(a.half_lives))
    name = f"{a.dataset}-{a.model}-seed{a.seed}{'-' + a.tag if a.tag else ''}"
    run, out = a.runs_dir/name, a.out_dir/f"ema-screen-{name}.json"
    if run.exists(): ap.error(f"{run} exists: give another --runs-dir or --tag (a screen is never rerun into a used folder)")
    os.environ["OMP_NUM_THREADS"] = os.environ["MKL_NUM_THREADS"] = str(a.threads)
    import torch
    torch.set_num_threads(a.threads)
    rows: list[dict] = []
    patch_trainer(hs, rows)
    from recsys_nb.cli import main as cli
    args = ["train", "--model", a.model, "--dataset", a.dataset, "--seed", str(a.seed), "--out", str(run),
            "--no-baseline", "--quiet", *(x for o in a.option for x in ("-o", o))]
    print("$ recsys-nb", shlex.join(args), flush=True)
    t0 = time.time()
    rc = cli(args)
    if rc: raise SystemExit(rc)
    if not rows: raise SystemExit(f"{run}: the run made no validation to score (no validation split, or no epoch trained)")
    cfg = json.loads((run/"config.json").read_text())
    monitor = cfg["trainer"].get("monitor", "NDCG@10")
    curves = {_label(h): [{"epoch": r["epoch"], **r[_label(h)]} for r in rows] for h in hs}
    best = {h: best_of(c, monitor) for h, c in curves.items()}
    doc = {"dataset": a.dataset, "model": a.model, "seed": a.seed, "monitor": monitor, "half_lives": [_label(h) for h in hs],
           "run_ema": cfg["trainer"].get("ema"), "options": a.option, "threads": a.threads,
           "command": f"python bench/ema_screen.py --dataset {a.dataset} --model {a.model} --seed {a.seed} --half-lives "
                      + " ".join(_label(h) for h in hs) + "".join(f" -o {o}" for o in a.option),
           "best": best, "curves": curves, "run": str(run), "run_metrics": json.loads((run/"metrics.json").read_text()),
           "seconds": round(time.time() - t0, 1), "commit": _commit(), "date": time.strftime("%Y-%m-%d")}
    a.out_dir.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(doc, indent=1) + "\n")
    other = "HR@10" if "HR@10" in rows[0][_label(hs[0])] else None
    print(f"\n{a.model} on {a.dataset}, seed {a.seed}: best validation {monitor} by half-life (the run's own: {doc['run_ema']})")
    print(f"| half-life (epochs) | best epoch | {monitor} |" + (f" {other} there |" if other else "") + "\n|---|---|---|" + ("---|" if other else ""))
    for h, b in best.items():
        print(f"| {h} | {b['epoch']}{' (rising)' if b['rising'] else ''} | {b[monitor]:.4f} |" + (f" {b[other]:.4f} |" if other else ""))
    print(f"\nwrote {out}")


if __name__ == "__main__":
    main()
