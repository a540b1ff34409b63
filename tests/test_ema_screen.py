"bench/ema_screen.py: several weight-average half-lives scored from one run equal separate runs with each half-life."
import csv
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT/"bench"/"ema_screen.py"
OPTS = ["-o", "trainer.epochs=3", "-o", "trainer.eval_every=1", "-o", "model.d_model=16", "-o", "eval.refit=false"]

def _run(*args, script=True):
    cmd = [sys.executable, str(SCRIPT), *args] if script else [sys.executable, "-m", "recsys_nb.cli", *args]
    env = {**os.environ, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}   # as the script's runs (--threads 1)
    return subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, timeout=600, env=env)

def _valid(run:Path) -> list[float]:
    return [float(r["valid_NDCG@10"]) for r in csv.DictReader((run/"history.csv").open())]

def test_screen_equals_separate_runs(tmp_path):
    runs, out = tmp_path/"runs", tmp_path/"out"
    p = _run("--dataset", "synthetic", "--model", "sasrec", "--half-lives", "0", "0.5", "1", "--runs-dir", str(runs),
             "--out-dir", str(out), *OPTS, "-o", "trainer.ema=1")
    assert p.returncode == 0, p.stderr[-2000:]
    doc = json.loads((out/"ema-screen-synthetic-sasrec-seed0.json").read_text())
    assert doc["half_lives"] == ["0", "0.5", "1"] and doc["run_ema"] == 1.0 and "| 0.5 |" in p.stdout
    curves = {h: [r["NDCG@10"] for r in c] for h, c in doc["curves"].items()}
    assert [r["epoch"] for r in doc["curves"]["0"]] == [1, 2, 3]
    assert curves["1"] == _valid(runs/"synthetic-sasrec-seed0")          # the run's own half-life: its history
    assert len({tuple(c) for c in curves.values()}) == 3                  # the averages differ from the weights
    for h in ("0", "0.5"):                                                # the others: as a run with that half-life
        p = _run("train", "--model", "sasrec", "--dataset", "synthetic", "--seed", "0", "--out", str(tmp_path/h),
                 "--no-baseline", "--quiet", *OPTS, "-o", f"trainer.ema={h}", script=False)
        assert p.returncode == 0, p.stderr[-2000:]
        assert curves[h] == _valid(tmp_path/h), h
    b = doc["best"]["0.5"]
    assert b["NDCG@10"] == max(curves["0.5"]) and b["rising"] == (b["epoch"] == 3)

def test_refusals(tmp_path):
    p = _run("--dataset", "synthetic", "--model", "sasrec", "--half-lives", "-1", "--runs-dir", str(tmp_path))
    assert p.returncode == 2 and "at least 0" in p.stderr
    p = _run("--dataset", "synthetic", "--model", "sasrec", "--half-lives", "1", "-o", "trainer.monitor=valid_loss", "--runs-dir", str(tmp_path))
    assert p.returncode == 2 and "ranking metrics" in p.stderr and not any(tmp_path.iterdir())
    (tmp_path/"synthetic-sasrec-seed0").mkdir()
    p = _run("--dataset", "synthetic", "--model", "sasrec", "--half-lives", "1", "--runs-dir", str(tmp_path))
    assert p.returncode == 2 and "exists" in p.stderr and not any((tmp_path/"synthetic-sasrec-seed0").iterdir())
