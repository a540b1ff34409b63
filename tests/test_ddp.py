"""DistributedDataParallel: two CPU processes (gloo, launched by torchrun) against one process with the same global batch.

The Trainer shards every global batch between the processes (rows rank::world) and DDP averages the gradients,
so the two-process run follows the single-process one. They are not bit-identical: the causal loss is a mean over
a variable number of target positions per row, averaged per process and then across processes. Dropout is off so
that the only difference left is that weighting; the tolerances below are far tighter than what a run that failed
to average gradients (or that trained each process on the whole data) reaches.
"""
import json
import os
import subprocess
import sys
import textwrap

import pytest

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.skipif(not torch.distributed.is_available(), reason="torch.distributed is not available")

WORKER = textwrap.dedent('''
    import json, os, sys
    import torch
    torch.set_num_threads(1)
    from recsys_nb.data.synthetic import synthetic_movielens
    from recsys_nb.data.interactions import Interactions
    from recsys_nb.data.split import leave_one_out
    from recsys_nb.data.batchers import EvalBatcher
    from recsys_nb.models.sasrec import SASRec
    from recsys_nb.trainers import Trainer
    out = sys.argv[1]
    split = leave_one_out(Interactions.from_ratings(synthetic_movielens(n_users=200, n_items=150, mean_len=40, seed=3)))
    torch.manual_seed(0)
    # the setting this test was calibrated on: pre-norm blocks, rows without overlap, batches bucketed by length
    # (overlapping rows train only each row's last positions, which widens the per-process weighting gap)
    model = SASRec.from_split(split, max_len=20, d_model=32, n_layers=1, n_heads=2, dropout=0.0, attn_dropout=0.0, pre_norm=True)
    train = model.train_batches(split, batch_size=64, seed=0, chunk_stride=1.0, bucket=100)
    valid = EvalBatcher.from_split(split, "valid", max_len=20)
    test = EvalBatcher.from_split(split, "test", max_len=20)
    tr = Trainer(model, train, valid, test, epochs=3, lr=3e-3, out_dir=out, seed=0, progress=False)
    tr.fit(); res = tr.finish()
    w = {k: v.detach().cpu().flatten().tolist() for k, v in model.state_dict().items() if v.is_floating_point()}
    # every process reports what it holds; only rank 0 wrote the run folder
    Path = __import__("pathlib").Path
    Path(out, f"result{tr.rank}.json").write_text(json.dumps({"world": tr.world, "history": tr.history, "res": res, "weights": w,
                                                             "n_batches": len(tr.train_data),
                                                             "rows": sum(len(b["users"]) for b in tr.train_data)}))
''')


def _env():
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONUNBUFFERED": "1"}
    for k in ("WORLD_SIZE", "RANK", "LOCAL_RANK", "MASTER_ADDR", "MASTER_PORT"): env.pop(k, None)
    return env


def _run(cmd, cwd):
    p = subprocess.run(cmd, cwd=cwd, env=_env(), capture_output=True, text=True, timeout=600)
    assert p.returncode == 0, f"{cmd} failed:\n{p.stdout[-3000:]}\n{p.stderr[-5000:]}"
    return p


def _torchrun(n):
    return [sys.executable, "-m", "torch.distributed.run", "--standalone", f"--nproc_per_node={n}"]


def test_two_processes_follow_one(tmp_path):
    script = tmp_path/"worker.py"; script.write_text(WORKER)
    _run([sys.executable, str(script), str(tmp_path/"one")], tmp_path)
    _run(_torchrun(2) + [str(script), str(tmp_path/"two")], tmp_path)
    one = json.loads((tmp_path/"one"/"result0.json").read_text())
    two = [json.loads((tmp_path/"two"/f"result{r}.json").read_text()) for r in (0, 1)]
    assert one["world"] == 1 and [t["world"] for t in two] == [2, 2]
    assert two[0]["n_batches"] == one["n_batches"]          # the same number of (global) steps per epoch
    assert two[0]["rows"] + two[1]["rows"] == one["rows"] and abs(two[0]["rows"] - two[1]["rows"]) <= one["n_batches"]  # each half
    # the processes agree with each other exactly: same weights (DDP), same all-reduced metrics and losses
    assert two[0]["weights"] == two[1]["weights"]
    assert two[0]["res"]["valid"] == two[1]["res"]["valid"]
    same = lambda h: [{k: v for k, v in r.items() if k == "loss" or k.startswith("valid_")} for r in h]  # not the timings
    assert same(two[0]["history"]) == same(two[1]["history"])
    # ... and follow the single process with the same global batch
    print("losses", [(h1["loss"], h2["loss"]) for h1, h2 in zip(one["history"], two[0]["history"])])
    for h1, h2 in zip(one["history"], two[0]["history"]):
        assert abs(h1["loss"] - h2["loss"]) < 1e-3 * h1["loss"], (h1["loss"], h2["loss"])
    diffs = [max(abs(a - b) for a, b in zip(one["weights"][k], two[0]["weights"][k])) for k in one["weights"]]
    scale = max(max(abs(a) for a in v) for v in one["weights"].values())
    print("max weight difference", max(diffs), "largest weight", scale)
    assert max(diffs) < 0.01 * scale, (max(diffs), scale)
    for w in ("valid", "test"):
        print(w, {m: (one["res"][w][m], two[0]["res"][w][m]) for m in ("NDCG@10", "HR@10")})
        for m in ("NDCG@10", "HR@10"):
            assert abs(one["res"][w][m] - two[0]["res"][w][m]) < 0.02, (w, m, one["res"][w][m], two[0]["res"][w][m])
    # only rank 0 wrote the experiment folder
    files = sorted(p.name for p in (tmp_path/"two").iterdir())
    assert {"config.json", "history.csv", "metrics.json", "checkpoints"} <= set(files)
    assert not list((tmp_path/"two").glob("*.tmp"))


def test_cli_under_torchrun(tmp_path):
    out = tmp_path/"run"
    p = _run(_torchrun(2) + ["-m", "recsys_nb.cli", "train", "--model", "sasrec", "--dataset", "synthetic", "--epochs", "1",
                             "--quiet", "--out", str(out), "-o", "model.max_len=20", "-o", "model.d_model=16"], tmp_path)
    assert p.stdout.count("run folder:") == 1, p.stdout        # rank 0 prints, rank 1 is silent
    m = json.loads((out/"metrics.json").read_text())
    assert m["test"]["NDCG@10"] > 0 and json.loads((out/"config.json").read_text())["trainer"]["world_size"] == 2
