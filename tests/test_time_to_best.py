"bench/time_to_best.py: the time a candidate recipe takes to reach the baseline's best validation score, from two runs made together."
import csv
import importlib.util
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT/"bench"/"time_to_best.py"
_spec = importlib.util.spec_from_file_location("time_to_best", SCRIPT)
ttb = importlib.util.module_from_spec(_spec); _spec.loader.exec_module(ttb)

def _history(folder:Path, rows:list[tuple]) -> Path:
    "A run folder whose history.csv has (seconds, valid NDCG@10 or None) per epoch."
    folder.mkdir(parents=True)
    with (folder/"history.csv").open("w", newline="") as f:
        w = csv.writer(f); w.writerow(["epoch", "loss", "seconds", "valid_NDCG@10"])
        for e, (s, v) in enumerate(rows, 1): w.writerow([e, 1.0, s, "" if v is None else v])
    return folder

def test_curve_counts_every_epoch(tmp_path):
    c = ttb.curve(_history(tmp_path/"a", [(10, None), (12, 0.1), (10, None), (11, 0.2)]))   # validated every 2 epochs
    assert c["epochs"] == [2, 4] and c["seconds"] == [22, 43] and c["valid"] == [0.1, 0.2]

def test_compare(tmp_path):
    base = ttb.curve(_history(tmp_path/"b", [(100, 0.1), (100, 0.3), (100, 0.2)]))
    fast = ttb.curve(_history(tmp_path/"f", [(20, 0.25), (20, 0.31)]))
    slow = ttb.curve(_history(tmp_path/"s", [(20, 0.1), (20, 0.29)]))
    r = ttb.compare(base, fast)
    assert (r["target"], r["baseline_epoch"], r["baseline_seconds"], r["candidate_epoch"], r["ratio"]) == (0.3, 2, 200, 2, 0.2)
    r = ttb.compare(base, slow)
    assert r["ratio"] is None and r["candidate_best"] == 0.29      # never reached: no ratio, its own best said

def _run(*args):
    return subprocess.run([sys.executable, str(SCRIPT), *args], capture_output=True, text=True, cwd=ROOT, timeout=600)

def test_launch_and_rerun(tmp_path):
    out, runs = tmp_path/"out", tmp_path/"runs"
    args = ["--dataset", "synthetic", "--model", "sasrec", "--baseline", "trainer.lr=0.0005", "--candidate", "trainer.lr=0.003",
            "--runs-dir", str(runs), "--out-dir", str(out), "--", "trainer.epochs=2", "eval.baseline=false"]
    p = _run(*args)
    assert p.returncode == 0, p.stderr[-2000:]
    doc = json.loads((out/"time-to-best-synthetic-sasrec.json").read_text())
    assert doc["threads"] == 1 and len(doc["commands"]) == 2 and "-o trainer.lr=0.003" in doc["commands"][1]
    assert doc["baseline"]["recipe"]["trainer"]["lr"] == 0.0005 and doc["candidate"]["recipe"]["trainer"]["lr"] == 0.003
    assert "target: the baseline's best valid NDCG@10" in p.stdout
    p = _run(*args)                                      # the run folders exist: refused, nothing overwritten
    assert p.returncode != 0 and "exists" in p.stderr, p.stderr[-2000:]
    b, c = sorted(x for x in runs.iterdir() if x.is_dir())
    p = _run("--runs", str(b), str(c), "--out-dir", str(tmp_path/"again"))
    again = json.loads((tmp_path/"again"/"time-to-best-synthetic-sasrec.json").read_text())
    assert p.returncode == 0 and {k: again[k] for k in ("target", "ratio")} == {k: doc[k] for k in ("target", "ratio")}
    assert {"trainer.lr=0.003", "trainer.epochs=2"} <= set(again["options"]["candidate"])   # read back from the recipes
    assert "trainer.lr=0.0005" in again["options"]["baseline"] and "trainer.lr=0.003" not in again["options"]["baseline"]
