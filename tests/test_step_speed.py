"bench/step_speed.py: two recipes' training steps alternated in one process, on a dataset's real batches."
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT/"bench"/"step_speed.py"

def _run(*args):
    return subprocess.run([sys.executable, str(SCRIPT), *args], capture_output=True, text=True, cwd=ROOT, timeout=600)

def test_step_speed_writes_both_timings(tmp_path):
    p = _run("--dataset", "synthetic", "--a", "model.length_groups=1", "--steps", "2", "--warmup", "1", "--rounds", "2",
             "--tag", "t", "--out-dir", str(tmp_path))
    assert p.returncode == 0, p.stderr
    res = json.loads((tmp_path/"step-speed-synthetic-sasrec-t.json").read_text())
    assert res["a"] == ["model.length_groups=1"] and res["b"] == []
    assert [len(res["ms_per_step"][k]) for k in "ab"] == [2, 2] and all(x > 0 for k in "ab" for x in res["ms_per_step"][k])
    assert res["speedup_b_over_a"] == round(res["mean_ms"]["a"] / res["mean_ms"]["b"], 2)

def test_step_speed_refuses_bad_input(tmp_path):
    p = _run("--dataset", "synthetic", "--out-dir", str(tmp_path))          # A and B both the CLI recipe
    assert p.returncode == 2 and "same recipe" in p.stderr
    p = _run("--dataset", "synthetic", "--a", "model.no_such=1", "--out-dir", str(tmp_path))
    assert p.returncode == 1 and "--a" in p.stderr and "Traceback" not in p.stderr
    p = _run("--dataset", "synthetic", "--a", "model.length_groups=1", "--steps", "100000", "--out-dir", str(tmp_path))
    assert p.returncode == 1 and "lower --steps" in p.stderr
    assert not list(tmp_path.iterdir())

def test_step_speed_every_position_baseline(tmp_path):
    "`--a-every-position`: the same recipe on both sides, A's last block at every position (the path before `at`)."
    p = _run("--dataset", "synthetic", "--model", "bert4rec", "--a-every-position", "--steps", "2", "--warmup", "1",
             "--rounds", "1", "--out-dir", str(tmp_path))
    assert p.returncode == 0, p.stderr
    res = json.loads((tmp_path/"step-speed-synthetic-bert4rec.json").read_text())
    assert res["a_every_position"] and res["a"] == res["b"] == [] and "every position" in p.stdout

def test_step_speed_torch_paths_baseline(tmp_path):
    "`--a-torch-dropout --a-torch-ce`: A draws dropout with `F.dropout`/SDPA and its CE through `F.cross_entropy`, B not."
    p = _run("--dataset", "synthetic", "--model", "bert4rec", "--a-torch-dropout", "--a-torch-ce", "--steps", "2",
             "--warmup", "1", "--rounds", "1", "--out-dir", str(tmp_path))
    assert p.returncode == 0, p.stderr
    res = json.loads((tmp_path/"step-speed-synthetic-bert4rec.json").read_text())
    assert res["a_torch_dropout"] and res["a_torch_ce"] and not res["a_every_position"] and "torch's dropout" in p.stdout

def test_torch_paths_swap_and_restore():
    "The swap holds inside the block only; inside it, dropout draws what `F.dropout` draws."
    import importlib.util

    import torch
    import torch.nn.functional as F

    import recsys_nb.models.bert4rec as b4
    import recsys_nb.models.transformer as tr
    spec = importlib.util.spec_from_file_location("step_speed", SCRIPT); mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    saved = tr.dropout, tr.math_attention, b4.full_cross_entropy
    x = torch.randn(1000)
    torch.manual_seed(0); want = F.dropout(x, 0.3, True)
    with mod._torch_paths(True, True):
        torch.manual_seed(0); assert torch.equal(tr.Dropout(0.3)(x), want)
        assert b4.full_cross_entropy is not saved[2]
    assert (tr.dropout, tr.math_attention, b4.full_cross_entropy) == saved
    torch.manual_seed(0); assert not torch.equal(tr.Dropout(0.3)(x), want)   # the library's own draw differs

def test_rand_dropout_baseline(tmp_path):
    "`--a-rand-dropout`: A's masks drawn with `rand` (the path before 16-bit masks), restored after the block; not with --a-torch-dropout."
    import importlib.util

    import torch

    import recsys_nb.models.transformer as tr
    spec = importlib.util.spec_from_file_location("step_speed", SCRIPT); mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    x, saved = torch.randn(1000), tr.dropout
    torch.manual_seed(0); want = x * (torch.rand_like(x) >= 0.3) / 0.7
    with mod._torch_paths(False, False, rand=True):
        torch.manual_seed(0); torch.testing.assert_close(tr.Dropout(0.3)(x), want)
    assert tr.dropout is saved
    torch.manual_seed(0); assert not torch.equal(tr.Dropout(0.3)(x), want)
    p = _run("--dataset", "synthetic", "--model", "bert4rec", "--a-rand-dropout", "--steps", "2", "--warmup", "1",
             "--rounds", "1", "--out-dir", str(tmp_path))
    assert p.returncode == 0, p.stderr
    res = json.loads((tmp_path/"step-speed-synthetic-bert4rec.json").read_text())
    assert res["a_rand_dropout"] and not res["a_torch_dropout"] and "drawn with rand" in p.stdout
    p = _run("--dataset", "synthetic", "--a-rand-dropout", "--a-torch-dropout", "--out-dir", str(tmp_path/"x"))
    assert p.returncode == 2 and "pick one" in p.stderr
