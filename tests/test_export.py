"""`recsys-nb export`: the scorer loads in a fresh process that cannot import recsys_nb and gives `recommend`'s top k."""
import json
import os
import subprocess
import sys

import pytest

ENV = {**os.environ, "OMP_NUM_THREADS": "1", "CUDA_VISIBLE_DEVICES": ""}

def cli(*args):
    p = subprocess.run([sys.executable, "-m", "recsys_nb.cli", *map(str, args)], env=ENV, capture_output=True, text=True, timeout=900)
    assert p.returncode == 0, f"recsys-nb {' '.join(map(str, args))} failed:\n{p.stdout}\n{p.stderr}"
    return p

# Runs the folder's scorer.py with recsys_nb made unimportable: any import of it raises ImportError.
FRESH = """
import json, sys
sys.modules["recsys_nb"] = None
folder, cases = sys.argv[1], json.load(open(sys.argv[2]))
sys.path.insert(0, folder)
from scorer import Scorer
s = Scorer(folder)
print(json.dumps([[i for i, _ in s.recommend(c["history"], user=c["user"], k=10)] for c in cases]))
"""

@pytest.mark.parametrize("model, options", [
    ("sasrec", ["--epochs", "1"]),
    ("bert4rec", ["--epochs", "1", "-o", "trainer.max_batches=20"]),
    ("bst", ["--epochs", "1", "-o", "trainer.max_batches=20"]),
    ("mf", ["--epochs", "2"]),
])
def test_exported_scorer_matches_recommend(model, options, tmp_path):
    import numpy as np

    from recsys_nb.experiment import load_run
    from recsys_nb.recommend import recommend
    run, out = tmp_path/"run", tmp_path/"scorer"
    cli("train", "--model", model, "--dataset", "ml-100k", "--out", run, "--quiet", "--no-baseline", *options)
    cli("export", "--run", run, "--out", out)
    res = load_run(run)
    inter = res.data
    users = np.random.default_rng(0).choice(inter.user_ids, 50, replace=False).tolist()
    cases, want = [], []
    for user in users:
        u = int(inter.encode_users([user])[0])
        items = inter.df["item"].to_numpy()[inter.df["user"].to_numpy() == u]
        cases.append({"user": user, "history": inter.decode_items(items).tolist()})
        want.append(recommend(res.model, inter, user=user, k=10)["item"].tolist())
    (tmp_path/"cases.json").write_text(json.dumps(cases))
    p = subprocess.run([sys.executable, "-c", FRESH, str(out), str(tmp_path/"cases.json")], cwd=tmp_path, env=ENV,
                       capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr
    got = json.loads(p.stdout.strip().splitlines()[-1])
    assert got == want
    assert json.loads((out/"meta.json").read_text())["needs_user"] == (model in ("mf", "bst"))
