"""The command line and recipe files: a run's recipe.toml reproduces it, and a resume that contradicts it changes nothing."""
import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ENV = {**os.environ, "OMP_NUM_THREADS": "1", "CUDA_VISIBLE_DEVICES": ""}

def cli(*args, check=True):
    p = subprocess.run([sys.executable, "-m", "recsys_nb.cli", *map(str, args)], env=ENV, capture_output=True, text=True, timeout=600)
    if check: assert p.returncode == 0, f"recsys-nb {' '.join(map(str, args))} failed:\n{p.stdout}\n{p.stderr}"
    return p

def snapshot(folder:Path) -> dict:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.rglob("*")) if p.is_file()}

@pytest.fixture(scope="module")
def run_a(tmp_path_factory):
    a = tmp_path_factory.mktemp("runs")/"A"
    cli("train", "--model", "sasrec", "--dataset", "synthetic", "--epochs", "2", "--out", a, "--quiet", "-o", "model.d_model=32")
    return a

def test_config_reproduces_run(run_a, tmp_path):
    b = tmp_path/"B"
    cli("train", "--config", run_a/"recipe.toml", "--out", b, "--quiet")
    test_a, test_b = (json.loads((d/"metrics.json").read_text())["test"] for d in (run_a, b))
    assert test_a == test_b
    assert (b/"recipe.toml").read_text() == (run_a/"recipe.toml").read_text()

@pytest.mark.parametrize("args, field", [
    (["--dataset", "ml-100k"], "dataset: 'ml-100k' (run: 'synthetic')"),
    (["--model", "bert4rec"], "it is a sasrec run, not bert4rec"),
    (["-o", "model.d_model=64"], "model.d_model: 64 (run: 32)"),
    (["--seed", "3"], "seed: 3 (run: 0)"),
    (["--max-len", "20", "--lr", "0.01"], "model.max_len: 20 (run: 50)"),
])
def test_resume_refuses_contradiction(run_a, args, field):
    before = snapshot(run_a)
    p = cli("train", "--resume", "--out", run_a, "--quiet", *args, check=False)
    assert p.returncode == 2, p.stdout + p.stderr
    assert field in p.stderr and "Traceback" not in p.stderr, p.stderr
    assert len(p.stderr.strip().splitlines()) == 1, p.stderr
    assert snapshot(run_a) == before, "the run folder changed"

def test_resume_with_its_own_recipe(run_a, tmp_path):
    import shutil
    c = tmp_path/"C"; shutil.copytree(run_a, c)
    (c/"metrics.json").unlink()
    p = cli("train", "--resume", "--out", c, "--quiet")
    assert json.loads((c/"metrics.json").read_text())["test"] == json.loads((run_a/"metrics.json").read_text())["test"], p.stdout

@pytest.mark.parametrize("args, message", [
    (["--epochs", "0"], "--epochs: must be at least 1"),
    (["--patience", "-2"], "--patience: must be at least 1"),
    (["-o", "model.d_model=abc"], "model.d_model takes an integer (default 64), got 'abc'"),
    (["-o", "d_model=32"], "name the section, as in -o model.d_model=32"),
    (["-o", "model.dmodel=32"], "its model section takes d_model"),
    (["--config", "nowhere.toml"], "recipe file 'nowhere.toml' does not exist"),
    (["--dataset", "ml-7m"], "unknown dataset 'ml-7m'"),
    (["--dataset", "ml-1m", "--no-download", "--data-dir", "nowhere"], "or pass --data-dir"),
    (["--max-time", "15 minutes"], "--max-time: expected a positive duration such as 900, 15m or 1.5h"),
    (["-o", "trainer.max_time=abc"], "trainer.max_time takes a number (default: none), got 'abc'"),
])
def test_bad_options_one_line(tmp_path, args, message):
    p = cli("train", "--model", "sasrec", "--out", tmp_path/"x", "--quiet", *args, check=False)
    assert p.returncode == 2 and message in p.stderr and "Traceback" not in p.stderr, p.stderr
    assert "data_dir=" not in p.stderr and "resume=True" not in p.stderr, p.stderr   # flags, not Python arguments
    assert not (tmp_path/"x").exists()

def test_max_time_cuts_the_run(tmp_path):
    "A 2-second budget ends a 200-epoch run inside its first epochs: the cut epoch is validated, the test is the best model's."
    out = tmp_path/"T"
    cli("train", "--model", "sasrec", "--dataset", "synthetic", "--epochs", "200", "--max-time", "2s", "--out", out, "--quiet",
        "-o", "model.d_model=16", "-o", "trainer.eval_every=5")
    m = json.loads((out/"metrics.json").read_text())
    assert m["stopped"] == "time" and m["epochs_run"] < 200 and m["best_epoch"] == m["epochs_run"] and m["test"]["NDCG@10"] > 0, m
    import csv
    rows = list(csv.DictReader((out/"history.csv").open()))
    assert rows[-1]["valid_NDCG@10"], rows[-1]   # validated although eval_every=5
    assert sum(float(r["seconds"]) for r in rows) >= 2

def test_recommend_unknown_user(run_a):
    p = cli("recommend", "--run", run_a, "--user", "99999", check=False)
    assert p.returncode == 2 and "user '99999' is not in synthetic" in p.stderr and "Traceback" not in p.stderr, p.stderr

def _shared_lastfm():
    from recsys_nb.core import find_data
    try: return find_data("lastfm")
    except FileNotFoundError: return None

@pytest.mark.skipif(_shared_lastfm() is None, reason="no shared copy of lastfm beside the project")
@pytest.mark.parametrize("model, option", [("sasrec", "model.features=input"), ("bst", "model.hidden=64")])
def test_lastfm_attributes_reach_the_model(tmp_path, model, option):
    "LastFM's tags become item features: SASRec's feature table and BST's genres, through the CLI and back from the run folder."
    out = tmp_path/model
    cli("train", "--model", model, "--dataset", "lastfm", "--epochs", "1", "-o", "trainer.max_batches=3", "-o", option,
        "--out", out, "--quiet", "--no-baseline")
    from recsys_nb.experiment import load_run
    m = load_run(out).model
    if model == "sasrec": assert (tuple(m.item_feats.shape), m.feat_emb.num_embeddings) == ((3_647, 110), 389)
    else: assert tuple(m.genre_mh.shape) == (3_647, 388)

def test_features_without_item_features_is_one_line(tmp_path):
    p = cli("train", "--model", "sasrec", "--dataset", "synthetic", "-o", "model.features=input", "-o", "model.item_features='tags'",
            "--out", tmp_path/"x", "--quiet", check=False)
    assert p.returncode == 2 and len(p.stderr.strip().splitlines()) == 1 and "no such column" in p.stderr, p.stderr
    assert not (tmp_path/"x").exists()
