"""Time to a validation target: how long a candidate recipe takes to reach the baseline's best validation score.

The issue's speed targets are of this kind ("SASRec on amazon-beauty reaches today's best validation NDCG@10 in at
most a third of today's time"). Both recipes are `recsys-nb train` runs of one dataset, model and seed; they start
together, each in its own subprocess with `--threads` torch/BLAS threads, so they share the machine alike and the
ratio is measured in one run. Test metrics play no part: the target is the baseline's best validation score (the
trainer's monitor), the time is the wall-clock seconds of training and evaluation summed over epochs up to the first
epoch whose validation score reaches it (`history.csv`'s `seconds`). A candidate that never reaches it gets no ratio
and the script says so, with its own best. A baseline stopped before its early stop is marked `"finished": false`:
its best so far is then the target.

The script writes `bench/results/time-to-best-<dataset>-<model>[-<tag>].json` (both curves, both times, the ratio, the
commands, the commit) and prints a table. `--runs BASE CAND` redoes the comparison from two run folders.
This is a benchmark, not a test.

Usage: python bench/time_to_best.py --dataset amazon-beauty --model sasrec --baseline model.loss=ce [--candidate ...]
       [--seed 0] [--threads 1] [--tag T] [--runs-dir runs/time-to-best] [--out-dir bench/results] [-- extra options for both]
       python bench/time_to_best.py --runs runs/time-to-best/base runs/time-to-best/cand [--tag T] [--out-dir ...]
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import tomllib

ROOT = Path(__file__).resolve().parents[1]


def _commit() -> str:
    try: return subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError): return "unknown"


def curve(run:Path) -> dict:
    "A run's validation curve (finished or not): epochs, cumulative seconds and the monitored score, from `history.csv`."
    hist, cfg = run/"history.csv", run/"config.json"
    if not hist.exists(): raise SystemExit(f"{run}: no history.csv; is it a `recsys-nb train` run folder?")
    monitor = json.loads(cfg.read_text())["trainer"].get("monitor", "NDCG@10") if cfg.exists() else "NDCG@10"
    rows = list(csv.DictReader(hist.open()))
    key = f"valid_{monitor}"
    if not rows or key not in rows[0]: raise SystemExit(f"{run}: history.csv has no {key} column; was it validated?")
    total, cum = 0.0, []   # every epoch's seconds count, validated or not (eval_every > 1)
    for r in rows: total += float(r["seconds"]); cum.append(round(total, 1))
    keep = [i for i, r in enumerate(rows) if r[key] not in ("", "nan")]
    if not keep: raise SystemExit(f"{run}: no epoch has been validated yet; wait for its first validation")
    return {"run": str(run), "monitor": monitor, "finished": (run/"metrics.json").exists(), "epochs": [int(rows[i]["epoch"]) for i in keep],
            "seconds": [cum[i] for i in keep], "valid": [float(rows[i][key]) for i in keep]}


def time_to(c:dict, target:float) -> tuple[int, float]|None:
    "The first (epoch, cumulative seconds) at which curve `c` reaches `target`, or None."
    for e, s, v in zip(c["epochs"], c["seconds"], c["valid"]):
        if v >= target: return e, s
    return None


def compare(base:dict, cand:dict) -> dict:
    "The baseline's best validation score, when each curve first reaches it, and the candidate's time over the baseline's."
    i = max(range(len(base["valid"])), key=base["valid"].__getitem__)
    target = base["valid"][i]
    b = (base["epochs"][i], base["seconds"][i])
    c = time_to(cand, target)
    return {"target": target, "monitor": base["monitor"], "baseline_epoch": b[0], "baseline_seconds": b[1],
            "candidate_epoch": c[0] if c else None, "candidate_seconds": c[1] if c else None,
            "ratio": round(c[1]/b[1], 3) if c else None, "candidate_best": max(cand["valid"])}


def options_of(r:dict) -> list[str]:
    "The `-o KEY=VALUE` options by which run recipe `r` differs from its model's defaults (the dataset and seed aside)."
    from recsys_nb.experiment import recipe
    def flat(d): return {f"{s}.{k}": v for s, sec in d.items() if isinstance(sec, dict) for k, v in sec.items()}
    base, mine = flat(recipe(r["name"]).to_dict()), flat(r)
    return [f"{k}={str(v).lower() if isinstance(v, bool) else v}" for k, v in sorted(mine.items()) if base.get(k) != v]


def _folder(args, tag:str) -> Path: return Path(args.runs_dir)/f"{Path(args.dataset).stem}-{args.model}-{tag}-seed{args.seed}"

def _launch(args, tag:str, options:list[str]) -> tuple[Path, list[str], subprocess.Popen]:
    run = _folder(args, tag)
    cmd = ["recsys-nb", "train", "--model", args.model, "--dataset", args.dataset, "--seed", str(args.seed), "--quiet",
           "--out", str(run), *(x for o in options for x in ("-o", o))]
    env = {**os.environ, **{k: str(args.threads) for k in ("OMP_NUM_THREADS", "MKL_NUM_THREADS")}}
    run.parent.mkdir(parents=True, exist_ok=True)
    log = open(run.parent/f"{run.name}.log", "w")
    return run, cmd, subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--dataset"); p.add_argument("--model", default="sasrec")
    p.add_argument("--baseline", nargs="*", default=[], metavar="KEY=VALUE", help="-o options of the baseline recipe")
    p.add_argument("--candidate", nargs="*", default=[], metavar="KEY=VALUE", help="-o options of the candidate (default: the CLI defaults)")
    p.add_argument("--seed", type=int, default=0); p.add_argument("--threads", type=int, default=1)
    p.add_argument("--runs-dir", default="runs/time-to-best"); p.add_argument("--out-dir", default=str(ROOT/"bench/results"))
    p.add_argument("--runs", nargs=2, metavar=("BASE", "CAND"), help="compare two finished run folders instead of training")
    p.add_argument("--tag", help="suffix of the result file (several candidates against one baseline)")
    p.add_argument("common", nargs="*", metavar="KEY=VALUE", help="-o options of both recipes (after --)")
    args = p.parse_args(argv)
    commands = None
    if args.runs: runs = [Path(r) for r in args.runs]
    else:
        if not args.dataset: p.error("--dataset is required unless --runs is given")
        for tag in ("baseline", "candidate"):   # both checked before either starts
            if _folder(args, tag).exists(): raise SystemExit(f"{_folder(args, tag)} exists; move it away, or compare finished runs with --runs")
        t0, launched = time.time(), [_launch(args, tag, [*args.common, *opts])
                                     for tag, opts in (("baseline", args.baseline), ("candidate", args.candidate))]
        for run, cmd, proc in launched:
            if proc.wait():
                for _, _, other in launched: other.terminate()   # no run left behind, training on its own
                raise SystemExit(f"{' '.join(cmd)} failed (exit {proc.returncode}); see {run.parent/run.name}.log")
        runs, commands = [r for r, _, _ in launched], [" ".join(c) for _, c, _ in launched]
        print(f"both runs done in {time.time()-t0:.0f} s")
    base, cand = curve(runs[0]), curve(runs[1])
    res = compare(base, cand)
    recipes = [tomllib.loads((r/"recipe.toml").read_text()) for r in runs]
    if recipes[0].get("dataset") != recipes[1].get("dataset"): raise SystemExit("the two runs are of different datasets")
    name = f"time-to-best-{recipes[0]['dataset']}-{recipes[0]['name']}{'-' + args.tag if args.tag else ''}.json"
    options = ({"common": [], "baseline": options_of(recipes[0]), "candidate": options_of(recipes[1])} if args.runs else
               {"common": args.common, "baseline": args.baseline, "candidate": args.candidate})
    out = {**res, "threads": args.threads if not args.runs else None, "commit": _commit(), "commands": commands, "options": options,
           "baseline": {**base, "recipe": recipes[0]}, "candidate": {**cand, "recipe": recipes[1]}}
    Path(args.out_dir).mkdir(parents=True, exist_ok=True)
    (Path(args.out_dir)/name).write_text(json.dumps(out, indent=1))
    m = res["monitor"]
    if not base["finished"]: print("note: the baseline run has not finished (no metrics.json): its best so far is the target")
    print(f"target: the baseline's best valid {m} {res['target']:.4f} (epoch {res['baseline_epoch']}, {res['baseline_seconds']:.0f} s)")
    if res["ratio"] is None: print(f"candidate never reached it (its best: {res['candidate_best']:.4f})")
    else: print(f"candidate reached it at epoch {res['candidate_epoch']}, {res['candidate_seconds']:.0f} s: {res['ratio']:.2f}x the baseline's time")
    print(f"wrote {Path(args.out_dir)/name}")


if __name__ == "__main__": main(sys.argv[1:])
