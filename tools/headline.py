"""The README's measured claims, read from the committed result files (never typed).

`nbs/index.ipynb` displays `headline()` (so the README and the docs landing page carry it), and
`tests/test_readme.py` checks that the README holds what the files say today. The sources:
`bench/results/compare.json` (`python bench/compare.py`: MF and BPR beside Surprise and `implicit`),
`bench/results/published/ml-100k-<model>.json` (`python bench/published.py`: the CLI's defaults over several seeds;
the same files the Published results page reads) and the RecBole rows of `bench/results/published/literature.toml`.

Usage: python tools/headline.py   (prints the paragraph)
"""
from __future__ import annotations

import json
from pathlib import Path

import tomllib

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT/"bench"/"results"
SEQUENTIAL = {"sasrec": "SASRec", "bert4rec": "BERT4Rec", "bst": "BST"}   # in this order; MostPop closes the sentence

def _mean(doc:dict, metric:str="NDCG@10") -> tuple[float, float, float, int]:
    "Mean, min and max of a result file's test `metric` over its seeds, and the number of seeds."
    v = [r["test"][metric] for r in doc["runs"]]
    return sum(v) / len(v), min(v), max(v), len(v)

def _seeds(n:int) -> str: return "one run" if n == 1 else f"{n} seeds"

def sources(results:Path=RESULTS) -> dict:
    "The documents the paragraph is built from: compare rows by key, ml-100k result files by model, RecBole rows by model."
    cmp = json.loads((results/"compare.json").read_text())
    pub = {p.stem.removeprefix("ml-100k-"): json.loads(p.read_text()) for p in sorted((results/"published").glob("ml-100k-*.json"))}
    lit = tomllib.loads((results/"published"/"literature.toml").read_text())
    recbole = {m: r for r in lit["row"] if r["dataset"] == "ml-100k" and r["system"].startswith("RecBole")
               for m in SEQUENTIAL if f" {SEQUENTIAL[m]} " in r["system"]}
    return {"compare": {r["key"]: r for r in cmp["rows"]}, "published": pub, "recbole": recbole}

def headline(results:Path=RESULTS) -> str:
    "The paragraph of measured claims on ml-100k, each number read from a result file."
    s = sources(results)
    c, pub, rb = s["compare"], s["published"], s["recbole"]
    parts = [f"MF reaches RMSE {c['mf']['RMSE']:.3f} on the official folds (Surprise's SVD: {c['surprise-svd']['RMSE']:.3f}) "
             f"and BPR an AUC of {c['bpr']['AUC']:.3f} on seed 004's protocol (`implicit`'s BPR: {c['implicit-bpr']['AUC']:.3f})"]
    seq = []
    for m, name in SEQUENTIAL.items():
        if m not in pub or "-" in m: continue
        mean, lo, hi, n = _mean(pub[m])
        txt = f"{name} {mean:.3f}" + (f" ({_seeds(n)}: {lo:.3f} to {hi:.3f}" if n > 1 else f" ({_seeds(n)}")
        if m in rb: txt += f"; RecBole's {name}: {rb[m]['ndcg10']:.3f}"
        seq.append(txt + ")")
    text = "Measured on ml-100k with the command line's defaults (leave-one-out, full ranking, seen items excluded): " + parts[0] + "."
    if seq:
        text += " Test NDCG@10, mean over seeds: " + ", ".join(seq)
        if "mostpop" in pub: text += f", against MostPop's {_mean(pub['mostpop'])[0]:.3f}"
        text += "."
    return text + (" The runs, commands and machines are in `bench/results/` and on the Benchmarks and Published results"
                   " pages.")

if __name__ == "__main__":
    print(headline())
