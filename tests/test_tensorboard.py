"""Logs people look at: TensorBoard event files hold loss, learning rate and validation metrics per epoch, and a
run whose output is not a terminal prints one plain line per epoch instead of progress bars."""
import os
import subprocess
import sys

import pytest

ENV = {**os.environ, "OMP_NUM_THREADS": "1", "CUDA_VISIBLE_DEVICES": ""}

def test_tensorboard_events_and_plain_progress(tmp_path):
    pytest.importorskip("tensorboard")
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
    out = tmp_path/"run"
    p = subprocess.run([sys.executable, "-m", "recsys_nb.cli", "train", "--model", "sasrec", "--epochs", "4", "--out", str(out),
                        "-o", "model.d_model=16", "-o", "trainer.eval_every=2", "-o", "eval.refit=false", "--no-baseline"],
                       env=ENV, capture_output=True, text=True, timeout=600)
    assert p.returncode == 0, p.stderr
    lines = [x for x in p.stdout.splitlines() if x.startswith("epoch ")]
    assert [x.split(":")[0] for x in lines] == ["epoch 1/4", "epoch 2/4", "epoch 3/4", "epoch 4/4"], p.stdout
    assert "valid NDCG@10" in lines[1] and "valid" not in lines[0], lines
    assert "\r" not in p.stdout + p.stderr and len(p.stderr.splitlines()) < 5, p.stderr   # no progress bars in a log
    ev = EventAccumulator(str(out/"tb")); ev.Reload()
    tags = set(ev.Tags()["scalars"])
    assert {"loss", "lr", "valid_NDCG@10", "valid_HR@10"} <= tags, tags
    assert [e.step for e in ev.Scalars("loss")] == [1, 2, 3, 4]
    assert [e.step for e in ev.Scalars("valid_NDCG@10")] == [2, 4]
    import csv
    hist = list(csv.DictReader(open(out/"history.csv")))
    got, want = [e.value for e in ev.Scalars("loss")], [float(r["loss"]) for r in hist]   # float32 events: no rounding edge
    assert len(got) == len(want) and all(abs(g - w) <= 1e-5 * abs(w) for g, w in zip(got, want)), (got, want)
