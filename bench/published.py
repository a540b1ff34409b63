"""Our rows of the "Published results" docs page: the CLI's defaults on the field's datasets, several seeds, one file each.

Every row is `recsys-nb train --model MODEL --dataset DATASET --seed S [-o KEY=VALUE ...]`: leave-one-out, full ranking
over the catalogue, the user's training and validation items excluded (the protocol of the published tables the page
sets beside ours, `bench/results/published/literature.toml`). Each seed runs in its own subprocess with `--threads`
torch/BLAS threads. The script writes `bench/results/published/<dataset>-<model>[-<tag>].json`: per seed the
validation and test metrics, the best and last epoch, the seconds, and once the command, the recipe, the commit, the
machine and the versions. The docs page reads only these files; nothing is typed into it.

`--collect RUN ...` builds the same file from run folders that already exist (each a `recsys-nb train` run folder with
`metrics.json` and `recipe.toml`), for runs made by hand with the same command. This is a benchmark, not a test.

Usage: python bench/published.py --dataset lastfm --model sasrec --seeds 0 1 2 [-o model.features=input] [--threads 1]
       [--tag features] [--runs-dir runs/published] [--out-dir bench/results/published]
       python bench/published.py --collect runs/published/lastfm-sasrec-seed0 ... [--tag ...] [--out-dir ...]
       python bench/published.py --dataset lastfm --model bert4rec --seeds 1 2 --add   (more seeds into an existing file)
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import shlex
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import tomllib

ROOT = Path(__file__).resolve().parents[1]


def _commit() -> str:
    "HEAD's short hash, with `+dirty` when the library's tracked files differ from it (the code a run imports now)."
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "diff", "--quiet", "HEAD", "--", "recsys_nb"], cwd=ROOT).returncode != 0
        return head + ("+dirty" if dirty else "")
    except (OSError, subprocess.CalledProcessError): return "unknown"


def _versions() -> dict:
    import numpy
    import torch

    import recsys_nb
    return {"recsys_nb": recsys_nb.__version__, "torch": torch.__version__, "numpy": numpy.__version__, "python": platform.python_version()}


def _command(model:str, dataset:str, seed:int|str, options:list[str]) -> str:
    return " ".join(["recsys-nb train", f"--model {model}", f"--dataset {dataset}", f"--seed {seed}", *(f"-o {o}" for o in options)])


def _row(run:Path) -> dict:
    "One seed's row from a run folder."
    m = json.loads((run/"metrics.json").read_text())
    r = tomllib.loads((run/"recipe.toml").read_text())
    if "test" not in m: raise SystemExit(f"{run}: the run has no test metrics (unfinished?); finish it with --resume first")
    row = {"seed": r.get("seed"), "valid": m["valid"], "test": m["test"], "best_epoch": m.get("best_epoch"),
           "epochs_run": m.get("epochs_run"), "seconds": round(float(m.get("seconds", float("nan"))), 1), "run": str(run)}
    if "calibrated" in m:   # options chosen on validation after training (SASRec's popularity prior), and what each weight gave
        row.update(calibrated=m["calibrated"], calibration=m["calibration"])
    if "refit" in m:   # the test is the refit model's (eval.refit); keep the chosen model's beside it
        row.update(test_before_refit=m["refit"]["test_before"], refit_epochs=m["refit"]["epochs"])
    return row

def _resolved(r:dict, run:Path) -> dict:
    "A recipe with its automatic options replaced by what they resolved to on the run's data (they train the same)."
    return _resolved_trainer(_resolved_model(_resolved_objective(r, run), run), run)

RESOLVED_MODEL = ("mask_input", "init")   # other "auto" model options the files record resolved (SASRec's features: as "auto", as always)

def _resolved_model(r:dict, run:Path) -> dict:
    "BERT4Rec's mask_input and init and SASRec's init left at 'auto' replaced by what the run made them (config.json; `unrecorded` or 'auto' before a run recorded them)."
    from recsys_nb.experiment import model_class, section_options
    model, cfg = r.get("model", {}), run/"config.json"
    todo = [k for k in RESOLVED_MODEL if model.get(k) == "auto"]
    if not todo: return r
    got = section_options(json.loads(cfg.read_text()).get("resolved", {}) if cfg.exists() else {}, "model")
    before = getattr(model_class(r["name"]), "recipe_defaults", {}).get("unrecorded", {})
    return {**r, "model": {**model, **{k: got.get(k, before.get(k, "auto")) for k in todo}}}

def _resolved_objective(r:dict, run:Path) -> dict:
    "model.loss and model.sampler 'auto' replaced by what they resolved to on the run's catalogue."
    model = r.get("model", {})
    if "auto" not in (model.get("loss"), model.get("sampler")): return r
    from recsys_nb.models.losses import resolve_objective
    n_items = json.loads((run/"metrics.json").read_text())["protocol"]["n_items"]
    loss, n_neg, sampler = resolve_objective(model.get("loss", "auto"), model.get("n_neg"), n_items, model.get("sampler", "auto"))
    return {**r, "model": {**model, "loss": loss, "n_neg": n_neg, "sampler": sampler}}

def _resolved_trainer(r:dict, run:Path) -> dict:
    "Trainer options left at None that the model's `trainer_rules` decide, as the rules decide them on the run's batch options."
    from recsys_nb.experiment import model_class, section_options
    rules = getattr(model_class(r["name"]), "recipe_defaults", {}).get("trainer_rules", {})
    todo = [k for k in rules if r.get("trainer", {}).get(k) is None]
    if not todo: return r
    got = json.loads((run/"config.json").read_text()).get("resolved", {})   # the data options the run's data decided
    batches = SimpleNamespace(**{**r.get("data", {}), **section_options(got, "data")})
    return {**r, "trainer": {**r.get("trainer", {}), **{k: rules[k](batches) for k in todo}}}

REPORT_ONLY = {"eval.baseline"}   # adds the MostPop row to metrics.json; the runs pass --no-baseline, and it trains nothing

def _check_command(first:dict, run:Path, options:list[str]):
    "Exit unless `recsys-nb train` with `options` trains `first`, the runs' recipe: the command the file records must be theirs."
    from recsys_nb.experiment import recipe
    try: want = recipe(first["name"]).override(*options).to_dict()
    except ValueError as e: raise SystemExit(f"options {options}: {e}") from None
    want = _resolved({**want, "dataset": first["dataset"]}, run)
    diff = sorted(f"{s}.{k}" for s in ("model", "data", "trainer", "eval", "split")
                  for k in set(want.get(s, {})) | set(first.get(s, {}))
                  if want.get(s, {}).get(k) != first.get(s, {}).get(k) and f"{s}.{k}" not in REPORT_ONLY)
    if diff: raise SystemExit(f"{run}: the command with options {options or '(none)'} would not train these runs: they differ in "
                              + ", ".join(f"{d} (runs: {first[d.split('.')[0]].get(d.split('.')[1])!r}, "
                                          f"command: {want[d.split('.')[0]].get(d.split('.')[1])!r})" for d in diff)
                              + "; give the runs' options with -o")


def _write(rows:list[dict], runs:list[Path], options:list[str], threads:int|None, tag:str|None, out_dir:Path, commit:str,
           collected:bool, add:bool=False, commits:list[str]|None=None) -> Path:
    from recsys_nb.experiment import recipe
    raw = [tomllib.loads((run/"recipe.toml").read_text()) for run in runs]
    base = recipe(raw[0]["name"]).to_dict()   # a key a run's recipe lacks (an older run) has today's default value
    recipes = [{k: ({**base[k], **v} if isinstance(v, dict) and isinstance(base.get(k), dict) else v) for k, v in r.items()} for r in raw]
    recipes = [_resolved(r, run) for r, run in zip(recipes, runs)]
    recipes = [{**r, "eval": {k: v for k, v in r.get("eval", {}).items() if f"eval.{k}" not in REPORT_ONLY}} for r in recipes]
    first = recipes[0]
    for run, r in zip(runs[1:], recipes[1:]):
        a, b = {k: v for k, v in first.items() if k != "seed"}, {k: v for k, v in r.items() if k != "seed"}
        if a != b: raise SystemExit(f"{run}: its recipe differs from {runs[0]}'s beyond the seed; collect runs of one recipe")
    _check_command(first, runs[0], options)
    model, dataset = first["name"], first["dataset"]
    out = out_dir/f"{dataset}-{model}{'-' + tag if tag else ''}.json"
    rows = [{**row, "commit": c} for row, c in zip(rows, commits or [commit] * len(rows))]   # each seed's row says which code ran it
    if add and out.exists():   # more seeds of the same recipe: the file's rows are kept, the new ones join them
        old = json.loads(out.read_text())
        mine = {k: v for k, v in first.items() if k != "seed"}
        if old["recipe"] != mine or old["options"] != options:
            raise SystemExit(f"{out}: its recipe or options differ from these runs'; --add joins seeds of one recipe only")
        clash = sorted({r["seed"] for r in old["runs"]} & {r["seed"] for r in rows})
        if clash: raise SystemExit(f"{out} already holds seed(s) {clash}: --add only new seeds")
        rows = [{"commit": old.get("commit", "unknown"), **r} for r in old["runs"]] + rows
        threads = old.get("threads") if old.get("threads") == threads else None   # unrecorded when they differ
    doc = {"dataset": dataset, "model": model, "tag": tag or "", "options": options,
           "command": _command(model, dataset, "S", options), "threads": threads,
           "seeds": sorted(row["seed"] for row in rows), "runs": sorted(rows, key=lambda x: x["seed"]),
           "recipe": {k: v for k, v in first.items() if k != "seed"}, "commit": commit, "collected": collected,
           "machine": f"{platform.machine()}, {os.cpu_count()} cores, {platform.system()}", "versions": _versions(),
           "date": time.strftime("%Y-%m-%d %H:%M:%S")}
    out_dir.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(doc, indent=1) + "\n")
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--dataset"); ap.add_argument("--model")
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    ap.add_argument("-o", "--option", action="append", default=[], metavar="SECTION.KEY=VALUE")
    ap.add_argument("--threads", type=int, help="torch/BLAS threads per run (default 1; with --collect: what the runs used, else unrecorded)")
    ap.add_argument("--tag", help="suffix of the result file (a variant of the defaults)")
    ap.add_argument("--runs-dir", type=Path, default=ROOT/"runs"/"published")
    ap.add_argument("--out-dir", type=Path, default=ROOT/"bench"/"results"/"published")
    ap.add_argument("--collect", type=Path, nargs="+", metavar="RUN", help="build the file from these run folders instead")
    ap.add_argument("--add", action="store_true", help="add these seeds to the existing result file (same recipe) instead of replacing it")
    a = ap.parse_args(argv)
    commit = _commit()  # for --collect: the code when collected; otherwise each seed's own, read when it starts
    if a.collect:
        runs = a.collect
        opts = a.option
        threads = a.threads
    else:
        if not (a.dataset and a.model): ap.error("--dataset and --model are needed (or --collect RUN ...)")
        threads = a.threads or 1
        env = {**os.environ, "OMP_NUM_THREADS": str(threads), "MKL_NUM_THREADS": str(threads)}
        runs, opts, commits = [], a.option, []
        for s in a.seeds:
            run = a.runs_dir/f"{a.dataset}-{a.model}{'-' + a.tag if a.tag else ''}-seed{s}"
            cmd = [sys.executable, "-m", "recsys_nb.cli", "train", "--model", a.model, "--dataset", a.dataset, "--seed", str(s),
                   "--out", str(run), "--no-baseline", "--quiet", *(x for o in a.option for x in ("-o", o))]
            if (run/"metrics.json").is_file() and "test" in json.loads((run/"metrics.json").read_text()):
                print(f"{run}: done before, kept"); commits.append("unknown")   # its code is not known here
            else:
                print("$", shlex.join(cmd), flush=True)
                commits.append(_commit())   # the code this seed runs: the library may change between seeds (editable install)
                subprocess.run(cmd, env=env, check=True)
            runs.append(run)
    rows = [_row(r) for r in runs]
    out = _write(rows, runs, opts, threads, a.tag, a.out_dir, commit, bool(a.collect), a.add, None if a.collect else commits)
    for row in rows: print(f"seed {row['seed']}: valid NDCG@10 {row['valid']['NDCG@10']:.4f}, test NDCG@10 {row['test']['NDCG@10']:.4f} "
                           f"HR@10 {row['test']['HR@10']:.4f}, "
                           + (f"best epoch {row['best_epoch']} of {row['epochs_run']}" if row["epochs_run"] else "no training")
                           + f", {row['seconds']} s")
    print("wrote", out.relative_to(ROOT) if out.is_relative_to(ROOT) else out)


if __name__ == "__main__": main()
