"""Fault injection: a training run killed with SIGKILL and resumed ends exactly where an uninterrupted run ends.

Each run is a subprocess executing `DRIVER` (a small next-item model trained with `recsys_nb.trainers.Trainer` on
synthetic data); the kill is a real SIGKILL, either sent by the run itself right after the checkpoint of epoch 2
or sent by this test at an arbitrary moment in the middle of epoch 3.
"""
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

DRIVER = textwrap.dedent('''
    import os, signal, sys, time, torch
    from torch import nn
    from recsys_nb.data.synthetic import synthetic_movielens
    from recsys_nb.data.interactions import Interactions
    from recsys_nb.data.split import leave_one_out
    from recsys_nb.data.batchers import EvalBatcher
    from recsys_nb.data.causal import CausalBatcher
    from recsys_nb.trainers import Trainer

    out, epochs, resume = sys.argv[1], int(sys.argv[2]), sys.argv[3] == "resume"
    kill_after, slow = int(os.environ.get("KILL_AFTER_EPOCH", 0)), float(os.environ.get("SLOW", 0))

    class Bigram(nn.Module):
        def __init__(self, n_items, dim=32):
            super().__init__()
            self.emb, self.out, self.drop = nn.Embedding(n_items + 1, dim, padding_idx=0), nn.Linear(dim, n_items + 1), nn.Dropout(0.3)
        def loss(self, b):
            if slow: time.sleep(slow)
            x, y = b["inputs"], b["targets"]; keep = y > 0
            return nn.functional.cross_entropy(self.out(self.drop(self.emb(x[keep]))), y[keep])
        def score(self, b):
            s = self.out(self.emb(b["history"][:, -1])); s[:, 0] = float("-inf"); return s

    class Killable(Trainer):
        def _save(self, name):
            super()._save(name)
            if name == "last" and self.epoch == kill_after: os.kill(os.getpid(), signal.SIGKILL)

    split = leave_one_out(Interactions.from_ratings(synthetic_movielens(n_users=300, n_items=200, seed=1)))
    torch.manual_seed(0)
    tr = Killable(Bigram(split.data.n_items), CausalBatcher.from_data(split, max_len=30, batch_size=32, seed=0),
                  EvalBatcher.from_split(split, "valid", max_len=30), EvalBatcher.from_split(split, "test", max_len=30),
                  epochs=epochs, lr=5e-3, scheduler="cosine", scheduler_kwargs={"warmup_epochs": 1}, adaptive_clip=True,
                  out_dir=out, resume=resume, seed=0, progress=False)
    tr.fit(); tr.finish()
''')

def start(tmp, out, epochs=4, resume=False, **env):
    drv = tmp/"driver.py"; drv.write_text(DRIVER)
    return subprocess.Popen([sys.executable, str(drv), str(out), str(epochs), "resume" if resume else "fresh"],
                            env={**os.environ, "OMP_NUM_THREADS": "1", **{k: str(v) for k, v in env.items()}},
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

def finish(p):
    out, err = p.communicate(timeout=300)
    return p.returncode, out, err

@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("ref")
    code, out, err = finish(start(tmp, tmp/"run"))
    assert code == 0, err
    return tmp/"run"

def same_run(a:Path, b:Path):
    assert json.loads((a/"metrics.json").read_text()) == json.loads((b/"metrics.json").read_text())
    ha, hb = [(a/"history.csv").read_text().splitlines() for a in (a, b)]
    drop = lambda rows: [",".join(x for i, x in enumerate(r.split(",")) if i not in secs) for r in rows]
    secs = {i for i, c in enumerate(ha[0].split(",")) if "seconds" in c}  # wall-clock columns differ, nothing else may
    assert drop(ha) == drop(hb)

def test_sigkill_after_epoch_2_then_resume(tmp_path, reference):
    code, _, _ = finish(start(tmp_path, tmp_path/"run", KILL_AFTER_EPOCH=2))
    assert code == -signal.SIGKILL
    assert not (tmp_path/"run"/"metrics.json").exists()
    assert len((tmp_path/"run"/"history.csv").read_text().splitlines()) == 3  # header + 2 epochs
    code, out, err = finish(start(tmp_path, tmp_path/"run", resume=True))
    assert code == 0, err
    assert "Resuming from" in out and "after epoch 2" in out
    same_run(reference, tmp_path/"run")

def test_sigkill_mid_epoch_then_resume(tmp_path, reference):
    p = start(tmp_path, tmp_path/"run", SLOW=0.02)
    hist = tmp_path/"run"/"history.csv"
    t0 = time.time()
    while time.time() - t0 < 240:
        if hist.exists() and len(hist.read_text().splitlines()) >= 3: break
        time.sleep(0.05)
    time.sleep(0.3)  # well inside epoch 3 (about 8 s an epoch when slowed)
    p.send_signal(signal.SIGKILL); finish(p)
    assert len(hist.read_text().splitlines()) < 5, "the run finished before it was killed"
    code, out, err = finish(start(tmp_path, tmp_path/"run", resume=True))
    assert code == 0, err
    same_run(reference, tmp_path/"run")

def test_truncated_checkpoint_is_reported(tmp_path):
    code, _, _ = finish(start(tmp_path, tmp_path/"run", KILL_AFTER_EPOCH=1))
    assert code == -signal.SIGKILL
    last = tmp_path/"run"/"checkpoints"/"last.pt"
    data = last.read_bytes(); last.write_bytes(data[:len(data) // 3])
    code, out, err = finish(start(tmp_path, tmp_path/"run", resume=True))
    assert code != 0
    assert "last.pt could not be read" in err and "truncated, corrupt" in err, err[-2000:]
