"""Benchmark: recsys_nb against peer libraries on ml-100k, the same split fed to every system, in one run.

Three parts, each one split shared by every system in it (chosen with `--parts`):

- explicit:   ratings on ml-100k's official folds u1..u5. Ours: MF exactly as `recsys-nb train --model mf
              --split folds` (`recsys_nb.experiment.run_folds` on `recipe("mf")`, the CLI's defaults); peer: Surprise SVD (and SVD++ with
              `--svdpp`, slow). RMSE, MAE, fit seconds, means over the five folds.
- implicit:   ratings >= 4, seed 004's split (the "implicit-holdout" split: 10 random positives per user to test). Ours: BPR as
              `recsys-nb train --model bpr`; peers: `implicit`'s BPR and ALS. Seed 004's AUC and P@5
              (`recsys_nb.metrics.implicit_metrics`, training items count as negatives), fit seconds.
- sequential: leave-one-out, full ranking over the catalogue with train+valid items excluded, ties against the model
              (`recsys_nb.evaluate`). Ours: SASRec, BERT4Rec, BST and MostPop as `recsys-nb train --model NAME
              --dataset ml-100k`; peers: RecBole's SASRec and BERT4Rec, fed an atomic .inter file that reproduces our
              split (checked: the test and validation item and the history of every user), scored by our `evaluate`
              from `model.full_sort_predict`. HR@10, NDCG@10 (also with all items ranked), seconds per training
              epoch, epochs to the best validation.

Each system runs in its own subprocess (fair memory and timings; `--threads` torch/BLAS threads, default 1), and its
fit seconds are measured around the fit only. Peers keep their defaults except what the shared split needs; every
deviation is listed in the output. Capped peers (`--peer-epochs`) are marked "not converged", and the converged
numbers of PEERS.md are shown beside them, labelled "anchor from PEERS.md, not this run". Prints one table with the
ratios ours / peer and writes it as JSON and Markdown (`--out`, default bench/results/compare.{json,md}).
Peers are optional dependencies: `pip install -e ".[bench]"`; `--no-peers` runs only ours.
This is a benchmark, not a test: nothing is asserted.
Usage: python bench/compare.py [--parts explicit implicit sequential] [--models mf surprise-svd ...] [--svdpp]
       [--peer-epochs N] [--our-epochs N] [--threads 1] [--no-peers] [--data-dir DIR] [--out bench/results/compare]
"""
from __future__ import annotations

import argparse
import hashlib
import importlib.util
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PARTS = ("explicit", "implicit", "sequential")
SYSTEMS = {  # name -> (part, side, label, python packages it needs)
    "mf": ("explicit", "ours", "recsys_nb MF", ()),
    "surprise-svd": ("explicit", "peer", "Surprise SVD", ("surprise",)),
    "surprise-svdpp": ("explicit", "peer", "Surprise SVD++", ("surprise",)),
    "bpr": ("implicit", "ours", "recsys_nb BPR", ()),
    "implicit-bpr": ("implicit", "peer", "implicit BPR", ("implicit", "threadpoolctl", "scipy")),
    "implicit-als": ("implicit", "peer", "implicit ALS", ("implicit", "threadpoolctl", "scipy")),
    "sasrec": ("sequential", "ours", "recsys_nb SASRec", ()),
    "bert4rec": ("sequential", "ours", "recsys_nb BERT4Rec", ()),
    "bst": ("sequential", "ours", "recsys_nb BST", ()),
    "mostpop": ("sequential", "baseline", "MostPop (recsys_nb)", ()),
    "recbole-sasrec": ("sequential", "peer", "RecBole SASRec", ("recbole",)),
    "recbole-bert4rec": ("sequential", "peer", "RecBole BERT4Rec", ("recbole",)),
}
PAIRS = [("mf", "surprise-svd"), ("mf", "surprise-svdpp"), ("bpr", "implicit-bpr"), ("bpr", "implicit-als"),
         ("sasrec", "recbole-sasrec"), ("bert4rec", "recbole-bert4rec"),
         ("sasrec", "mostpop"), ("bert4rec", "mostpop"), ("bst", "mostpop")]
METRICS = {"explicit": ("RMSE", "MAE"), "implicit": ("AUC", "P@5"), "sequential": ("HR@10", "NDCG@10", "NDCG@10 all")}
LOWER_IS_BETTER = {"RMSE", "MAE", "fit_s", "s_per_epoch"}
# Converged numbers measured on this kind of machine (shared/PEERS.md): shown, labelled, only beside capped peers.
ANCHORS = {"recbole-sasrec": {"system": "RecBole SASRec (converged, 41 epochs)", "HR@10": 0.2110, "NDCG@10": 0.1057,
                              "NDCG@10 all": 0.0586, "s_per_epoch": 135.0, "best_epoch": 41},
           "recbole-bert4rec": {"system": "RecBole BERT4Rec (converged, 28 epochs)", "HR@10": 0.1803, "NDCG@10": 0.0952,
                                "NDCG@10 all": 0.0595, "best_epoch": 28}}
ANCHOR_LABEL = "anchor from PEERS.md, not this run"

def default_data_dir() -> Path:
    "$RECSYS_NB_DATA, else ../shared/data relative to the repository."
    return Path(os.environ.get("RECSYS_NB_DATA") or REPO.parent/"shared"/"data").expanduser()

def fingerprint(u, i) -> str:
    "A short hash of (user, item) pairs, to check that every system of a part saw the same held-out rows."
    import numpy as np
    k = np.sort(np.asarray(u, np.int64) * 100_000 + np.asarray(i, np.int64))
    return hashlib.sha1(k.tobytes()).hexdigest()[:12]

# ---------------------------------------------------------------- workers (one system per process)

def _threads(n:int):
    import torch
    torch.set_num_threads(n)

def _timed_trainer_fit():
    "Wrap `Trainer.fit` (in this worker process only) to time the fit and keep the trainer; behaviour unchanged."
    from recsys_nb.trainers import Trainer
    seen, orig = [], Trainer.fit
    def fit(self):
        t = time.perf_counter()
        try: return orig(self)
        finally: self.bench_fit_s = time.perf_counter() - t; seen.append(self)
    Trainer.fit = fit
    return seen

def _recipe(a, model:str, split:str|None=None):
    "The recipe `recsys-nb train --model MODEL --dataset ml-100k [--split SPLIT]` trains (epochs capped by --our-epochs)."
    from recsys_nb.experiment import recipe
    r = recipe(model)
    r.dataset, r.seed = "ml-100k", a.seed
    if split is not None and split != r.split["kind"]: r.split = {"kind": split}
    r.eval["baseline"] = False
    a.capped = bool(a.our_epochs) and model != "mostpop" and a.our_epochs < r.trainer["epochs"]
    if a.capped: r.trainer["epochs"] = a.our_epochs             # a cap, never a raise
    return r

def _options(r) -> dict:
    "A recipe's options, flat, for the report."
    return {**r.model, **r.data, **r.trainer}

_RUN = dict(device="cpu", download=False, progress=False, verbose=False)

def _status(epochs_run:int, max_epochs:int, patience, capped:bool) -> str:
    if patience is not None and epochs_run < max_epochs: return "early-stopped (converged)"
    if capped: return f"not converged (capped at {max_epochs} epochs)"
    return f"ran its {max_epochs} epochs" + ("" if patience is None else " (no early stop)")

def run_ours_explicit(a) -> dict:
    import numpy as np

    from recsys_nb.core import seed_everything
    from recsys_nb.data.split import ml100k_folds
    from recsys_nb.experiment import run
    trainers = _timed_trainer_fit()
    r = _recipe(a, "mf", "folds")
    opts = _options(r)
    seed_everything(a.seed)                                   # once, as `recsys-nb train --split folds` does
    folds = ml100k_folds(a.data_dir)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for f, s in enumerate(folds, 1):
            res = run(r, split=s, out=Path(tmp)/f"u{f}", data_dir=a.data_dir, reseed=False, **_RUN).metrics
            tr = trainers[-1]
            rows.append({"RMSE": res["test"]["RMSE"], "MAE": res["test"]["MAE"], "fit_s": tr.bench_fit_s,
                         "epochs": tr.epoch, "fp": fingerprint(s.data.decode_users(s.test["user"].to_numpy()),
                                                                 s.data.decode_items(s.test["item"].to_numpy()))})
    out = {k: float(np.mean([r[k] for r in rows])) for k in ("RMSE", "MAE", "fit_s")}
    return {**out, "folds": rows, "epochs_run": rows[0]["epochs"], "split_fp": [r["fp"] for r in rows],
            "status": _status(rows[0]["epochs"], opts["epochs"], opts.get("patience"), a.capped),
            "config": {k: v for k, v in opts.items()}, "deviations": _our_deviations(a)}

def run_surprise(a, name:str) -> dict:
    import numpy as np
    from surprise import SVD, Dataset, Reader, SVDpp, accuracy
    from surprise.model_selection import PredefinedKFold
    folder = _folds_folder(a.data_dir)
    reader = Reader(line_format="user item rating timestamp", sep="\t", rating_scale=(1, 5))
    algo_cls = SVD if name == "surprise-svd" else SVDpp
    rows = []
    for f in range(1, 6):
        data = Dataset.load_from_folds([(str(folder/f"u{f}.base"), str(folder/f"u{f}.test"))], reader)
        (trainset, testset), = PredefinedKFold().split(data)
        algo = algo_cls(random_state=a.seed)
        t = time.perf_counter(); algo.fit(trainset); fit_s = time.perf_counter() - t
        pred = algo.test(testset)
        rows.append({"RMSE": accuracy.rmse(pred, verbose=False), "MAE": accuracy.mae(pred, verbose=False), "fit_s": fit_s,
                     "fp": fingerprint([int(u) for u, _, _ in testset], [int(i) for _, i, _ in testset])})
    out = {k: float(np.mean([r[k] for r in rows])) for k in ("RMSE", "MAE", "fit_s")}
    algo = algo_cls()
    return {**out, "folds": rows, "split_fp": [r["fp"] for r in rows], "status": f"ran its {algo.n_epochs} epochs (default)",
            "config": {"n_factors": algo.n_factors, "n_epochs": algo.n_epochs, "lr_all": algo.lr_bu, "reg_all": algo.reg_bu},
            "deviations": [f"{algo_cls.__name__}(random_state={a.seed}): seeded for repeatable runs (default: numpy's global RNG)",
                           "RMSE/MAE from surprise.accuracy on its own (clipped) predictions of u{1..5}.test"]}

def _folds_folder(data_dir:Path) -> Path:
    "The folder with u1.base ... u5.test (extracted to a temporary folder when only ml-100k.zip is there)."
    for c in (data_dir/"ml-100k", data_dir):
        if (c/"u1.base").is_file(): return c
    z = data_dir/"ml-100k.zip"
    if z.is_file():
        import zipfile
        tmp = Path(tempfile.mkdtemp(prefix="ml100k-folds-"))
        with zipfile.ZipFile(z) as zf:
            for f in range(1, 6):
                for part in ("base", "test"): (tmp/f"u{f}.{part}").write_bytes(zf.read(f"ml-100k/u{f}.{part}"))
        return tmp
    raise FileNotFoundError(f"ml-100k's u1.base ... u5.test not found under {data_dir}")

def _bpr_split(a):
    "Seed 004's split exactly as `recsys-nb train --model bpr --dataset ml-100k` builds it."
    from recsys_nb.experiment import build
    return build(_recipe(a, "bpr"), a.data_dir, download=False).split

def _split_fp(split, which="test") -> str:
    f, d = getattr(split, which), split.data
    return fingerprint(d.decode_users(f["user"].to_numpy()), d.decode_items(f["item"].to_numpy()))

def run_ours_implicit(a) -> dict:
    from recsys_nb.experiment import run
    trainers = _timed_trainer_fit()
    r = _recipe(a, "bpr")
    opts = _options(r)
    with tempfile.TemporaryDirectory() as tmp:
        res = run(r, out=Path(tmp)/"bpr", data_dir=a.data_dir, **_RUN).metrics
    tr = trainers[-1]
    return {"AUC": res["test"]["AUC"], "P@5": res["test"]["Precision@5"], "fit_s": tr.bench_fit_s, "epochs_run": tr.epoch,
            "split_fp": [_split_fp(_bpr_split(a))],
            "status": _status(tr.epoch, opts["epochs"], opts.get("patience"), a.capped),
            "config": opts, "deviations": _our_deviations(a)}

def _factor_model(user_factors, item_factors):
    "An `nn.Module` whose `score` is `U[u] @ V.T` over items 1..n_items (column 0, padding, at -inf)."
    import numpy as np
    import torch
    from torch import nn
    class FactorScores(nn.Module):
        def __init__(self):
            super().__init__()
            V = np.asarray(item_factors, np.float32)
            self.register_buffer("U", torch.from_numpy(np.asarray(user_factors, np.float32)))
            self.register_buffer("V", torch.cat([torch.zeros(1, V.shape[1]), torch.from_numpy(V)]))
        def score(self, batch):
            s = self.U[batch["users"].long()] @ self.V.T
            s[:, 0] = float("-inf")
            return s
    return FactorScores()

def run_implicit(a, name:str) -> dict:
    import implicit
    import numpy as np
    import scipy.sparse as sp
    from threadpoolctl import threadpool_limits

    from recsys_nb.metrics import implicit_metrics
    split = _bpr_split(a)
    d, tr = split.data, split.train
    X = sp.csr_matrix((np.ones(len(tr), np.float32), (tr["user"].to_numpy(), tr["item"].to_numpy() - 1)),
                      shape=(d.n_users, d.n_items))
    kw = dict(random_state=a.seed, use_gpu=False, num_threads=a.threads)
    model = (implicit.bpr.BayesianPersonalizedRanking if name == "implicit-bpr" else implicit.als.AlternatingLeastSquares)(**kw)
    with threadpool_limits(a.threads, "blas"):
        t = time.perf_counter(); model.fit(X, show_progress=False); fit_s = time.perf_counter() - t
    m = implicit_metrics(_factor_model(model.user_factors, model.item_factors), split, "test", ks=(5,))
    cfg = {"factors": model.factors, "iterations": model.iterations, "regularization": model.regularization}
    cfg.update({"learning_rate": model.learning_rate} if name == "implicit-bpr" else {"alpha": model.alpha})
    dev = [f"random_state={a.seed}, use_gpu=False, num_threads={a.threads} (default 0: every core), "
           f"BLAS limited to {a.threads} thread(s) with threadpoolctl",
           "input: binary user x item CSR of the split's training positives (item ids shifted by -1); "
           "scores = user_factors @ item_factors.T" + (" (BPR's factors carry its item-bias column)" if name == "implicit-bpr" else "")]
    return {"AUC": m["AUC"], "P@5": m["Precision@5"], "fit_s": fit_s, "epochs_run": model.iterations,
            "split_fp": [_split_fp(split)], "status": f"ran its {model.iterations} iterations (default)", "config": cfg,
            "deviations": dev}

def _loo_split(a):
    "The leave-one-out split exactly as `recsys-nb train --model sasrec --dataset ml-100k` builds it."
    from recsys_nb.experiment import build
    return build(_recipe(a, "mostpop"), a.data_dir, download=False).split

def run_ours_sequential(a, model:str) -> dict:
    import numpy as np

    from recsys_nb.evaluate import evaluate
    from recsys_nb.experiment import run, section_options
    trainers = _timed_trainer_fit()
    r = _recipe(a, model, "loo")
    opts = _options(r)
    with tempfile.TemporaryDirectory() as tmp:
        res = run(r, out=Path(tmp)/model, data_dir=a.data_dir, **_RUN).metrics
        resolved = json.loads((Path(tmp)/model/"config.json").read_text()).get("resolved", {})
        opts.update(section_options(resolved, "trainer"))   # BERT4Rec's lr=None: the rate it trained with
        tr = trainers[-1]                     # `finish` has loaded the best weights into tr.model
        all_items = evaluate(tr.model, tr.test_data, ks=(10,), exclude_seen=False)["NDCG@10"]
    ep = [r["train_seconds"] for r in tr.history]
    split = _loo_split(a)
    out = {"HR@10": res["test"]["HR@10"], "NDCG@10": res["test"]["NDCG@10"], "NDCG@10 all": all_items,
           "fit_s": tr.bench_fit_s, "s_per_epoch": float(np.mean(ep)) if ep else None,
           "epochs_run": tr.epoch, "best_epoch": res["best_epoch"] if ep else None,
           "split_fp": [_split_fp(split), _split_fp(split, "valid")], "config": opts, "deviations": _our_deviations(a, bool(ep))}
    out["status"] = "no training (counts)" if not ep else _status(tr.epoch, opts["epochs"], opts.get("patience"), a.capped)
    if ep: out["monitor"] = f"valid {opts.get('monitor', 'NDCG@10')} every {opts.get('eval_every', 1)} epoch(s), patience {opts.get('patience')}"
    return out

def _recbole_compat():
    "RecBole 1.2.1 predates numpy 2: restore the aliases it uses (see shared/PEERS.md)."
    import numpy as np
    for k, v in {"float_": np.float64, "complex_": np.complex128, "unicode_": np.str_}.items():
        if not hasattr(np, k): setattr(np, k, v)

def run_recbole(a, name:str) -> dict:
    import logging

    import numpy as np
    import torch
    from torch import nn
    _recbole_compat()
    from recbole.config import Config
    from recbole.data import create_dataset, data_preparation
    from recbole.utils import get_model, get_trainer, init_logger, init_seed

    from recsys_nb.data.batchers import EvalBatcher
    from recsys_nb.data.histories import padded_histories
    from recsys_nb.evaluate import evaluate
    model_name = {"recbole-sasrec": "SASRec", "recbole-bert4rec": "BERT4Rec"}[name]
    split = _loo_split(a)
    d = split.data
    u, it = d.df["user"].to_numpy(), d.df["item"].to_numpy()
    starts = np.searchsorted(u, np.arange(d.n_users))
    tmp = Path(tempfile.mkdtemp(prefix="recbole-"))
    ds = "ml100k_loo"
    (tmp/ds).mkdir()
    import pandas as pd
    pd.DataFrame({"user_id:token": u, "item_id:token": it, "timestamp:float": (np.arange(len(u)) - starts[u]).astype(float)}
                 ).to_csv(tmp/ds/f"{ds}.inter", sep="\t", index=False)
    eval_args = {"split": {"LS": "valid_and_test"}, "order": "TO", "mode": "full", "group_by": "user"}
    cd = {"data_path": str(tmp), "checkpoint_dir": str(tmp/"saved"), "load_col": {"inter": ["user_id", "item_id", "timestamp"]},
          "eval_args": eval_args, "train_neg_sample_args": None, "use_gpu": False, "show_progress": False}
    if a.peer_epochs: cd["epochs"] = a.peer_epochs
    os.chdir(tmp)                                   # RecBole writes log/ and log_tensorboard/ in the working directory
    sys.argv = sys.argv[:1]                         # RecBole's Config also reads `--key=value` from the command line
    config = Config(model=model_name, dataset=ds, config_dict=cd)
    init_seed(config["seed"], config["reproducibility"])
    init_logger(config)
    logging.getLogger().setLevel(logging.INFO)
    _threads(a.threads)
    dataset = create_dataset(config)
    train_data, valid_data, test_data = data_preparation(config, dataset)
    model = get_model(config["model"])(config, train_data._dataset).to(config["device"])
    trainer = get_trainer(config["MODEL_TYPE"], config["model"])(config, model)
    check = _check_recbole_split(dataset, valid_data, test_data, split, config["MAX_ITEM_LIST_LENGTH"], padded_histories)
    epoch_s, valid = [], []
    orig = trainer._train_epoch
    def timed(*args, **kw):
        t = time.perf_counter(); r = orig(*args, **kw); epoch_s.append(time.perf_counter() - t); return r
    trainer._train_epoch = timed
    t = time.perf_counter()
    trainer.fit(train_data, valid_data, saved=True, show_progress=False, callback_fn=lambda e, s: valid.append((e + 1, s)))
    fit_s = time.perf_counter() - t
    ck = torch.load(trainer.saved_model_file, map_location="cpu", weights_only=False)  # RecBole's checkpoint holds its config
    model.load_state_dict(ck["state_dict"]); model.load_other_parameter(ck.get("other_parameter"))
    own = trainer.evaluate(test_data, load_best_model=False, show_progress=False)

    tok = lambda field: dataset.field2id_token[field]
    inter = test_data._dataset.inter_feat
    row_of_user = torch.full((d.n_users,), -1, dtype=torch.long)
    row_of_user[torch.from_numpy(tok("user_id")[inter["user_id"].numpy()].astype(np.int64))] = torch.arange(len(inter))
    our_item = torch.from_numpy(np.r_[0, tok("item_id")[1:].astype(np.int64)])   # RecBole item id -> our item id
    class RecBoleScores(nn.Module):
        "RecBole's `full_sort_predict` on its own test input, columns mapped to our item ids."
        def __init__(self): super().__init__(); self.m = model
        def score(self, batch):
            rows = row_of_user[batch["users"].cpu()]
            if (rows < 0).any(): raise ValueError("a user with no RecBole test row")
            s = self.m.full_sort_predict(inter[rows].to(config["device"])).view(len(rows), -1)
            out = torch.full((len(rows), d.n_items + 1), float("-inf"))
            out[:, our_item[1:]] = s[:, 1:].float()
            return out
    data = EvalBatcher.from_split(split, "test", max_len=config["MAX_ITEM_LIST_LENGTH"])
    scorer = RecBoleScores()
    r = evaluate(scorer, data, ks=(10,), exclude_seen=True)
    r_all = evaluate(scorer, data, ks=(10,), exclude_seen=False)
    max_epochs = config["epochs"]
    best = max(valid, key=lambda x: x[1])[0] if valid else None
    stopped = len(epoch_s) < max_epochs
    status = ("early-stopped (converged)" if stopped else
              f"not converged (capped at {max_epochs} epochs)" if a.peer_epochs else f"ran its {max_epochs} epochs")
    dev = ["data: atomic .inter (user_id:token, item_id:token, timestamp:float) of our ml-100k log, user and item tokens "
           "= our dense ids, timestamp = position in the user's time-ordered history (our tie-break on file order)",
           f"eval_args={eval_args} (leave-one-out, full ranking), load_col limited to those three columns",
           "train_neg_sample_args=None (its CE loss refuses to start otherwise)",
           "use_gpu=False, show_progress=False, data_path/checkpoint_dir/log in a temporary folder",
           "metrics recomputed with recsys_nb.evaluate from model.full_sort_predict, train+valid items excluded, ties against "
           "the model; RecBole's own test metrics (history not masked) kept in 'recbole_own_test'",
           f"model selection and early stopping on RecBole's default valid_metric {config['valid_metric']} "
           f"(eval_step {config['eval_step']}, stopping_step {config['stopping_step']})"]
    if a.peer_epochs: dev.append(f"epochs capped at {a.peer_epochs} by --peer-epochs (default {300})")
    return {"HR@10": r["HR@10"], "NDCG@10": r["NDCG@10"], "NDCG@10 all": r_all["NDCG@10"], "fit_s": fit_s,
            "s_per_epoch": float(np.mean(epoch_s)), "epochs_run": len(epoch_s), "best_epoch": best,
            "valid_history": valid, "split_fp": [_split_fp(split), _split_fp(split, "valid")], "split_check": check,
            "recbole_own_test": {k: float(v) for k, v in own.items()}, "status": status,
            "config": {k: config[k] for k in ("epochs", "train_batch_size", "learning_rate", "hidden_size", "n_layers",
                                              "n_heads", "MAX_ITEM_LIST_LENGTH", "valid_metric", "stopping_step", "seed")},
            "deviations": dev}

def _check_recbole_split(dataset, valid_data, test_data, split, max_len:int, padded_histories) -> dict:
    "Compare RecBole's validation and test rows (target and history of every user) with our split; raise on a mismatch."
    import numpy as np
    d = split.data
    tok_u = dataset.field2id_token["user_id"]; tok_i = dataset.field2id_token["item_id"]
    item_map = np.r_[0, tok_i[1:].astype(np.int64)]
    out = {}
    for which, dl in (("valid", valid_data), ("test", test_data)):
        f = dl._dataset.inter_feat
        users = tok_u[f["user_id"].numpy()].astype(np.int64)
        tgt = item_map[f["item_id"].numpy()]
        ours = getattr(split, which)
        ou, oi = ours["user"].to_numpy(), ours["item"].to_numpy()
        if len(users) != len(ou): raise RuntimeError(f"RecBole's {which} has {len(users)} rows, ours {len(ou)}")
        o = np.argsort(users, kind="stable")
        if not (users[o] == ou).all() or not (tgt[o] == oi).all():
            raise RuntimeError(f"RecBole's {which} targets differ from ours for {int((tgt[o] != oi).sum())} users")
        seq, ln = f["item_id_list"].numpy()[o], f["item_length"].numpy()[o]
        seq = item_map[seq]                                  # RecBole ids -> our ids, padding 0 -> 0
        seen = split.seen(which)
        ours_h = padded_histories(seen["user"].to_numpy(), seen["item"].to_numpy(), d.n_users, max_len).numpy()[ou]
        # RecBole's lists are right-padded: shift each row right by (max_len - length) to compare with our left padding
        cols = (np.arange(max_len)[None, :] - (max_len - ln)[:, None])
        theirs = np.where(cols >= 0, np.take_along_axis(seq, cols.clip(0), 1), 0)
        bad = int((theirs != ours_h).any(1).sum())
        if bad: raise RuntimeError(f"RecBole's {which} histories differ from ours for {bad} users")
        out[which] = f"{len(ou)} users: same target item and same last-{max_len} history for every user"
    return out

def _our_deviations(a, trains:bool=True) -> list[str]:
    dev = [f"device cpu, {a.threads} torch thread(s)"]
    if getattr(a, "capped", False) and trains: dev.append(f"epochs capped at {a.our_epochs} by --our-epochs")
    return dev

def worker(a, name:str) -> dict:
    _threads(a.threads)
    if name == "mf": return run_ours_explicit(a)
    if name.startswith("surprise-"): return run_surprise(a, name)
    if name == "bpr": return run_ours_implicit(a)
    if name.startswith("implicit-"): return run_implicit(a, name)
    if name.startswith("recbole-"): return run_recbole(a, name)
    return run_ours_sequential(a, name)

# ---------------------------------------------------------------- driver

def _versions(names) -> dict:
    from importlib.metadata import PackageNotFoundError, version
    out = {}
    for p in ("recsys_nb", "torch", "numpy", "pandas", "scikit-surprise", "implicit", "recbole", "threadpoolctl"):
        try: out[p] = version(p)
        except PackageNotFoundError: pass
    return out

def check_peers(names):
    "Exit with a clear message when a peer system's package is not installed."
    missing = sorted({p for n in names for p in SYSTEMS[n][3] if importlib.util.find_spec(p) is None})
    if missing:
        who = [n for n in names if set(SYSTEMS[n][3]) & set(missing)]
        sys.exit(f"compare.py: missing peer package(s) {', '.join(missing)} (needed by {', '.join(who)}).\n"
                 f'Install the peers with: pip install -e ".[bench]"   (from {REPO})\n'
                 "or skip them: --no-peers, --parts ..., or --models ...")

def run_system(a, name:str) -> dict:
    "Run one system in its own process; its result (JSON on its last stdout line), or an error."
    env = {**os.environ, **{k: str(a.threads) for k in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS")},
           "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])}
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", name, "--data-dir", str(a.data_dir), "--threads",
           str(a.threads), "--seed", str(a.seed)]
    if a.peer_epochs: cmd += ["--peer-epochs", str(a.peer_epochs)]
    if a.our_epochs: cmd += ["--our-epochs", str(a.our_epochs)]
    print(f"[{time.strftime('%H:%M:%S')}] {name} ...", file=sys.stderr, flush=True)
    t = time.perf_counter()
    p = subprocess.run(cmd, stdout=subprocess.PIPE, text=True, env=env, cwd=REPO)
    wall = time.perf_counter() - t
    lines = [l for l in p.stdout.strip().splitlines() if l.startswith("{")]
    if p.returncode or not lines:
        return {"error": f"exit code {p.returncode}; see the worker's stderr above", "wall_s": wall}
    res = json.loads(lines[-1]); res["wall_s"] = wall
    print(f"[{time.strftime('%H:%M:%S')}] {name}: done in {wall:.0f} s ({res.get('status', '')})", file=sys.stderr, flush=True)
    return res

def _fmt(v, nd=4) -> str:
    if v is None or v == "": return ""
    if isinstance(v, str): return v
    return f"{v:.{nd}f}" if abs(v) < 100 else f"{v:.0f}"

def build_rows(results:dict, a) -> tuple[list[dict], list[dict]]:
    rows, ratios = [], []
    for name, r in results.items():
        part, side, label, _ = SYSTEMS[name]
        row = {"part": part, "system": label, "key": name, "side": side, **{k: r.get(k) for k in
               (*METRICS[part], "fit_s", "s_per_epoch", "best_epoch", "epochs_run", "status", "error")}}
        rows.append(row)
        if side == "peer" and "not converged" in str(r.get("status")) and name in ANCHORS:
            rows.append({"part": part, "system": ANCHORS[name]["system"], "key": name + "-anchor", "side": "anchor",
                         **{k: v for k, v in ANCHORS[name].items() if k != "system"}, "status": ANCHOR_LABEL})
    for ours, peer in PAIRS:
        if ours in results and peer in results and "error" not in results[ours] and "error" not in results[peer]:
            part = SYSTEMS[ours][0]
            q = {}
            for k in (*METRICS[part], *(("fit_s", "s_per_epoch") if SYSTEMS[peer][1] == "peer" else ())):
                x, y = results[ours].get(k), results[peer].get(k)
                if isinstance(x, (int, float)) and isinstance(y, (int, float)) and y: q[k] = x / y
            ratios.append({"part": part, "ours": SYSTEMS[ours][2], "peer": SYSTEMS[peer][2], "ratios": q})
    return rows, ratios

def render(rows, ratios, deviations, checks, notes) -> tuple[str, str]:
    "The table as console text and as Markdown."
    cols = ["part", "system", "RMSE", "MAE", "AUC", "P@5", "HR@10", "NDCG@10", "NDCG@10 all", "fit_s", "s_per_epoch",
            "best_epoch", "epochs_run", "status"]
    heads = {"fit_s": "fit s", "s_per_epoch": "s/epoch", "best_epoch": "best ep", "epochs_run": "epochs"}
    def cell(r, c):
        v = r.get(c)
        if c == "status" and r.get("error"): return f"FAILED: {r['error']}"
        if isinstance(v, int) and not isinstance(v, bool): return str(v)
        return _fmt(v, 1 if c in ("fit_s", "s_per_epoch") else 4)
    cells = [[cell(r, c) for c in cols] for r in rows]
    w = [max(len(heads.get(c, c)), *(len(x[i]) for x in cells)) for i, c in enumerate(cols)]
    txt = ["  ".join(heads.get(c, c).ljust(w[i]) for i, c in enumerate(cols))]
    txt += ["  ".join(x[i].ljust(w[i]) for i in range(len(cols))) for x in cells]
    md = ["| " + " | ".join(heads.get(c, c) for c in cols) + " |", "|" + "---|" * len(cols)]
    md += ["| " + " | ".join(x) + " |" for x in cells]
    rk = ["RMSE", "MAE", "AUC", "P@5", "HR@10", "NDCG@10", "NDCG@10 all", "fit_s", "s_per_epoch"]
    txt += ["", "ratios ours / peer (RMSE, MAE, fit s, s/epoch: lower is better for ours; the rest: higher)"]
    md += ["", "**Ratios ours / peer** (RMSE, MAE, fit s, s/epoch: below 1 favours ours; AUC, P@5, HR, NDCG: above 1)", "",
           "| ours | peer | " + " | ".join(heads.get(k, k) for k in rk) + " |", "|" + "---|" * (len(rk) + 2)]
    for q in ratios:
        vals = [f"{q['ratios'][k]:.3f}" if k in q["ratios"] else "" for k in rk]
        txt.append(f"  {q['ours']:<20} / {q['peer']:<20} " + "  ".join(f"{heads.get(k, k)} {v}" for k, v in zip(rk, vals) if v))
        md.append(f"| {q['ours']} | {q['peer']} | " + " | ".join(vals) + " |")
    for title, items in (("split checks", checks), ("deviations", deviations), ("notes", notes)):
        if items:
            txt += ["", f"{title}:"] + [f"  - {x}" for x in items]
            md += ["", f"**{title.capitalize()}**", ""] + [f"- {x}" for x in items]
    return "\n".join(txt), "\n".join(md) + "\n"

def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--parts", nargs="+", choices=PARTS, default=list(PARTS))
    ap.add_argument("--models", nargs="+", choices=list(SYSTEMS), help="systems to run (default: all of the parts')")
    ap.add_argument("--svdpp", action="store_true", help="also run Surprise SVD++ (slow)")
    ap.add_argument("--no-peers", action="store_true", help="run only recsys_nb's models (and MostPop)")
    ap.add_argument("--peer-epochs", type=int, default=None, help="cap RecBole's epochs (default: its own, 300 with early stopping)")
    ap.add_argument("--our-epochs", type=int, default=None, help="cap our models' epochs (smoke runs)")
    ap.add_argument("--threads", type=int, default=1, help="torch and BLAS threads of every system (default 1)")
    ap.add_argument("--seed", type=int, default=0, help="seed of our split, our models and the seeded peers")
    ap.add_argument("--data-dir", type=Path, default=None, help="folder holding ml-100k/ (default: $RECSYS_NB_DATA, else ../shared/data)")
    ap.add_argument("--out", default=str(REPO/"bench"/"results"/"compare"), help="output path without suffix (.json and .md are written)")
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    a = ap.parse_args()
    a.data_dir = (a.data_dir or default_data_dir()).expanduser().resolve()
    if a.worker:
        print(json.dumps(worker(a, a.worker), default=float)); return
    if not (a.data_dir/"ml-100k").is_dir() and not (a.data_dir/"ml-100k.zip").is_file():
        sys.exit(f"compare.py: ml-100k not found in {a.data_dir}: set $RECSYS_NB_DATA or --data-dir to the folder holding ml-100k/")
    names = [n for n in (a.models or SYSTEMS) if SYSTEMS[n][0] in a.parts]
    if not a.models and not a.svdpp: names = [n for n in names if n != "surprise-svdpp"]
    if a.no_peers: names = [n for n in names if SYSTEMS[n][1] != "peer"]
    if not names: sys.exit("compare.py: nothing to run with these --parts/--models")
    check_peers(names)
    t0 = time.perf_counter()
    results = {n: run_system(a, n) for n in names}
    rows, ratios = build_rows(results, a)
    deviations, checks = [], []
    for n, r in results.items():
        deviations += [f"{SYSTEMS[n][2]}: {x}" for x in r.get("deviations", [])]
        for w, msg in r.get("split_check", {}).items(): checks.append(f"{SYSTEMS[n][2]} {w} split vs ours: {msg}")
    for part in a.parts:
        fps = {SYSTEMS[n][2]: tuple(r["split_fp"]) for n, r in results.items() if SYSTEMS[n][0] == part and "split_fp" in r}
        if len(fps) > 1:
            same = len(set(fps.values())) == 1
            checks.append(f"{part}: held-out (user, item) rows {'identical' if same else 'DIFFER'} across "
                          f"{', '.join(fps)} (fingerprint {' / '.join(next(iter(fps.values())))})")
    notes = [f"ml-100k from {a.data_dir.name}/ (not copied); each system in its own process with {a.threads} torch/BLAS thread(s); "
             f"machine: {platform.machine()}, {os.cpu_count()} cores, {platform.python_version()}; "
             f"total wall {time.perf_counter() - t0:.0f} s",
             "fit s: wall seconds around the fit only (ours: Trainer.fit, with its per-epoch validation and checkpoints "
             "when the CLI validates; peers: algo.fit / model.fit / RecBole trainer.fit with its validation); "
             "s/epoch: the training pass only; explicit rows: means over folds u1..u5",
             "sequential: HR@10 and NDCG@10 rank the whole catalogue with train+valid items excluded (ties against the model); "
             "'NDCG@10 all' ranks every item",
             "implicit: seed 004's protocol: per-user AUC and P@5 over all items, training items counted as negatives"]
    if any(r.get("side") == "anchor" for r in rows):
        notes.append(f"rows marked '{ANCHOR_LABEL}' are the converged numbers measured earlier on this kind of machine "
                     "(2 CPU cores), copied from shared/PEERS.md for reference")
    txt, md = render(rows, ratios, deviations, checks, notes)
    print(txt)
    out = Path(a.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    cmdline = "python bench/compare.py " + " ".join(sys.argv[1:])
    out.with_suffix(".json").write_text(json.dumps({
        "command": cmdline, "date": time.strftime("%Y-%m-%d %H:%M:%S"), "versions": _versions(names),
        "threads": a.threads, "seed": a.seed, "peer_epochs": a.peer_epochs, "our_epochs": a.our_epochs,
        "rows": rows, "ratios": ratios, "deviations": deviations, "split_checks": checks, "notes": notes,
        "results": results}, indent=2, default=float))
    out.with_suffix(".md").write_text(f"# recsys_nb vs peers on ml-100k\n\n`{cmdline}` ({time.strftime('%Y-%m-%d')}; "
                                      + ", ".join(f"{k} {v}" for k, v in _versions(names).items()) + ")\n\n" + md)
    print(f"\nwrote {out.with_suffix('.json')} and {out.with_suffix('.md')}")
    if any("error" in r for r in results.values()): sys.exit(1)

if __name__ == "__main__":
    main()
