"bench/published.py writes one result file per dataset and model, and --add joins more seeds of the same recipe to it."
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT/"bench"/"published.py"

def _run(tmp, *args):
    return subprocess.run([sys.executable, str(SCRIPT), "--dataset", "synthetic", "--model", "mostpop", "--runs-dir", str(tmp/"runs"),
                           "--out-dir", str(tmp/"out"), *args], capture_output=True, text=True, cwd=ROOT, timeout=600)

def test_published_add_seeds(tmp_path):
    p = _run(tmp_path, "--seeds", "0")
    assert p.returncode == 0, p.stderr[-2000:]
    assert "no training" in p.stdout                      # MostPop: no "best epoch None of 0"
    f = tmp_path/"out"/"synthetic-mostpop.json"
    doc = json.loads(f.read_text())
    assert doc["seeds"] == [0] and doc["runs"][0]["commit"] == doc["commit"]
    p = _run(tmp_path, "--seeds", "2", "1", "--add")
    assert p.returncode == 0, p.stderr[-2000:]
    doc = json.loads(f.read_text())
    assert doc["seeds"] == [0, 1, 2] and [r["seed"] for r in doc["runs"]] == [0, 1, 2]
    p = _run(tmp_path, "--seeds", "1", "--add")          # a seed the file holds: refused, the file kept
    assert p.returncode != 0 and "already holds seed(s) [1]" in p.stderr, p.stderr[-2000:]
    assert json.loads(f.read_text())["seeds"] == [0, 1, 2]
    p = _run(tmp_path, "--seeds", "3", "--add", "-o", "eval.ks=[5]")   # another recipe: refused
    assert p.returncode != 0 and "differ from these runs'" in p.stderr, p.stderr[-2000:]

def test_collect_checks_the_command(tmp_path):
    "--collect records `recsys-nb train ... -o OPTIONS` as the runs' command: options that would train another recipe are refused."
    assert _run(tmp_path, "--seeds", "0").returncode == 0
    run = str(tmp_path/"runs"/"synthetic-mostpop-seed0")
    col = lambda *a: subprocess.run([sys.executable, str(SCRIPT), "--collect", run, "--out-dir", str(tmp_path/"col"), *a],
                                    capture_output=True, text=True, cwd=ROOT, timeout=600)
    p = col("-o", "eval.ks=[5]")
    assert p.returncode != 0 and "would not train these runs" in p.stderr and "eval.ks (runs: [10], command: [5])" in p.stderr, p.stderr[-2000:]
    assert not (tmp_path/"col").exists()
    p = col("-o", "model.nope=1")
    assert p.returncode != 0 and "unknown option 'model.nope'" in p.stderr and "Traceback" not in p.stderr, p.stderr[-2000:]
    p = col()
    assert p.returncode == 0, p.stderr[-2000:]
    assert json.loads((tmp_path/"col"/"synthetic-mostpop.json").read_text())["command"] == "recsys-nb train --model mostpop --dataset synthetic --seed S"

def test_collect_resolves_trainer_rules(tmp_path):
    "A run that set BERT4Rec's learning rate by hand is the defaults' run where the rule (`auto_lr`) gives the same rate, and only there."
    opts = ["-o", "model.d_model=16", "-o", "model.n_layers=1", "-o", "trainer.epochs=1", "-o", "eval.refit=false"]
    run = tmp_path/"b4r"
    p = subprocess.run([sys.executable, "-m", "recsys_nb.cli", "train", "--model", "bert4rec", "--dataset", "synthetic", "--out", str(run),
                        "--no-baseline", "--quiet", *opts, "-o", "trainer.lr=0.001"], capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert p.returncode == 0, p.stderr[-2000:]
    col = lambda r, out: subprocess.run([sys.executable, str(SCRIPT), "--collect", str(r), "--out-dir", str(tmp_path/out), *opts],
                                        capture_output=True, text=True, cwd=ROOT, timeout=600)
    p = col(run, "ok")                                    # cloze rows on the synthetic data: the rule gives 1e-3, as the run had
    assert p.returncode == 0, p.stderr[-2000:]
    doc = json.loads((tmp_path/"ok"/"synthetic-bert4rec.json").read_text())
    assert "trainer.lr" not in doc["command"], doc["command"]
    assert doc["recipe"]["model"]["mask_input"] == "token", doc["recipe"]["model"]   # "auto", as the run's data decided it
    other = tmp_path/"b4r-2e-3"                           # the same run folder, its recipe saying 2e-3: not what the defaults train
    subprocess.run(["cp", "-r", str(run), str(other)], check=True)
    toml = other/"recipe.toml"
    toml.write_text(toml.read_text().replace("lr = 0.001", "lr = 0.002"))
    p = col(other, "refused")
    assert p.returncode != 0 and "trainer.lr (runs: 0.002, command: 0.001)" in p.stderr, p.stderr[-2000:]
