"""Hogwild training from several processes (`recsys_nb.trainers.fit_hogwild`): what a notebook cannot host.

- 2 workers (fork and spawn) reach the single-worker AUC on seed 004's implicit protocol within a tolerance;
- spawn workers import the model class from the package, and a script run as `__main__` works with spawn (given
  the `if __name__ == "__main__":` guard that any spawn program needs);
- a failing worker surfaces its traceback instead of hanging.
"""
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import torch

from recsys_nb.core import find_data
from recsys_nb.data.interactions import Interactions
from recsys_nb.data.movielens import load_movielens
from recsys_nb.data.split import implicit_holdout
from recsys_nb.metrics import implicit_metrics
from recsys_nb.models.mf import BPR
from recsys_nb.trainers import fit_hogwild

EPOCHS, TOL = 4, 0.02

def _shared_data() -> Path: return find_data("ml-100k", start=Path(__file__).parent)

@pytest.fixture(scope="module")
def split():
    torch.set_num_threads(1)
    return implicit_holdout(Interactions.from_ratings(load_movielens("ml-100k", data_dir=_shared_data(), download=False)), seed=0)

def _train(split, n_workers, start_method):
    torch.manual_seed(0)
    m = BPR.from_split(split, n_factors=32, l2=0.01)
    hist = fit_hogwild(m, split, n_workers=n_workers, epochs=EPOCHS, lr=3e-3, seed=0, start_method=start_method, timeout=120)
    return implicit_metrics(m, split)["AUC"], hist

@pytest.fixture(scope="module")
def single(split): return _train(split, 1, "fork")[0]

@pytest.mark.parametrize("start_method", ["fork", "spawn"])
def test_two_workers_match_one(split, single, start_method):
    auc2, hist = _train(split, 2, start_method)
    assert sorted(hist["worker"].unique()) == [0, 1] and len(hist) == 2 * EPOCHS
    assert single > 0.85, single                       # the single worker learned something real
    assert abs(auc2 - single) <= TOL, (start_method, single, auc2)

def test_worker_error_is_raised(split):
    with pytest.raises(RuntimeError, match="hogwild worker .* failed(.|\n)*Unknown optimizer 'nope'"):
        fit_hogwild(BPR.from_split(split, n_factors=4), split, n_workers=2, epochs=1, optimizer="nope", timeout=60)

SCRIPT = textwrap.dedent('''
    import sys, torch
    from recsys_nb.data.interactions import Interactions
    from recsys_nb.data.movielens import load_movielens
    from recsys_nb.data.split import implicit_holdout
    from recsys_nb.metrics import implicit_metrics
    from recsys_nb.models.mf import BPR
    from recsys_nb.trainers import fit_hogwild

    if __name__ == "__main__":
        sp = implicit_holdout(Interactions.from_ratings(load_movielens("ml-100k", data_dir=sys.argv[1], download=False)))
        torch.manual_seed(0)
        m = BPR.from_split(sp, n_factors=16, l2=0.01)
        a0 = implicit_metrics(m, sp)["AUC"]
        fit_hogwild(m, sp, n_workers=2, epochs=2, lr=3e-3, start_method=sys.argv[2], timeout=120)
        print("AUC", a0, implicit_metrics(m, sp)["AUC"])
''')

def test_from_a_script(tmp_path, start_method="spawn"):
    (tmp_path/"run_hogwild.py").write_text(SCRIPT)
    r = subprocess.run([sys.executable, str(tmp_path/"run_hogwild.py"), str(_shared_data()), start_method],
                       capture_output=True, text=True, timeout=180)
    assert r.returncode == 0, r.stderr[-3000:]
    a0, a1 = map(float, r.stdout.split("AUC")[1].split())
    assert a1 > a0 + 0.1, (a0, a1)
