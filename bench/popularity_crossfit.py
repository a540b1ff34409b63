"""Cross-fitted check of SASRec's `popularity="auto"` on the validation split alone.

For each run folder (a SASRec run of `recsys-nb train`), the chosen model's checkpoint ranks the validation rows
once for every weight of `recsys_nb.experiment.POPULARITY_GRID`; then, for 20 random halvings of the validation
users, the weight is chosen on one half and scored on the other (both ways), against the weight 0. The mean
relative gain in NDCG@10 is what validation itself expects the choice to bring; the test is not read.

    python bench/popularity_crossfit.py runs/published/ml-100k-sasrec-prior-seed0 ...
"""
import json
import sys
from pathlib import Path

import numpy as np
import torch

from recsys_nb.experiment import POPULARITY_GRID, _pinned, _run_recipe, build
from recsys_nb.metrics import ranking_metrics
from recsys_nb.models.losses import train_item_counts
from recsys_nb.trainers import load_checkpoint


def per_row(path:Path) -> dict:
    "Validation NDCG@10 of every row, for every weight of the grid, from the run's chosen (not refit) model."
    r = _run_recipe(path)
    cfg = json.loads((path/"config.json").read_text())
    pin = _pinned(r, cfg.get("resolved"))
    pin.model["popularity"] = 0.0   # the prior is added here, weight by weight
    res = build(pin, cfg.get("data_dir"))
    m = res.model
    m.load_state_dict(load_checkpoint(path/"checkpoints"/"best.pt")["model"])
    m.eval()
    prior = torch.log1p(train_item_counts(res.split).float())
    data, rows = res.eval["valid"], {b: [] for b in POPULARITY_GRID}
    with torch.no_grad():
        for bt in data.chunks(1024, 0, 1, with_exclude=False, by_length=True):
            s, t = m.score(bt).float(), bt["target"]
            ex = data.exclude_mask(bt["users"], t)
            for b in POPULARITY_GRID: rows[b].append(ranking_metrics(s + b * prior, t, (10,), exclude=ex, per_row=True)["NDCG@10"])
    return {b: torch.cat(v).numpy() for b, v in rows.items()}


def crossfit(v:dict, halvings:int=20) -> list[float]:
    "Relative NDCG@10 gain over weight 0 when the weight is chosen on one half of the rows and scored on the other."
    n, gains = len(v[0.0]), []
    for rep in range(halvings):
        fold = np.random.default_rng(rep).integers(0, 2, n).astype(bool)
        tot = tot0 = 0.0
        for k in (True, False):
            fit, held = fold == k, fold != k
            best = max(POPULARITY_GRID, key=lambda b: (v[b][fit].mean(), -b))
            tot, tot0 = tot + v[best][held].sum(), tot0 + v[0.0][held].sum()
        gains.append(tot / tot0 - 1)
    return gains


if __name__ == "__main__":
    if len(sys.argv) < 2: raise SystemExit(__doc__.strip().splitlines()[-1].strip())
    for p in sys.argv[1:]:
        v = per_row(Path(p))
        g = crossfit(v)
        print(f"{Path(p).name}: valid NDCG@10 by weight {({b: round(float(x.mean()), 4) for b, x in v.items()})}; "
              f"cross-fitted gain over 0: mean {np.mean(g):+.2%} (20 halvings, {min(g):+.2%} .. {max(g):+.2%})", flush=True)
