"""Training step time of two recipes of one model on one dataset's real batches, alternated in one process.

For options that change how a step is computed, not what is learned (SASRec's `model.length_groups`, `model.trim`),
the ratio of step times is what matters, and a whole training run per option measures it only with the noise of a
shared machine. Here both models are built from the CLI recipe plus `-o` options (`--a`, `--b`), with the same seed,
on the same split; the first `--steps` batches of epoch 0 of A's training batches are taken once, and each round
times every batch through forward, backward and the library's optimizer step (`trainers.make_optimizer`), A then B,
after a warm-up of `--warmup` batches. Threads are pinned (`--threads`). The script prints the mean milliseconds per
step of each, their ratio, and writes `bench/results/step-speed-<dataset>-<model>[-<tag>].json`. A benchmark, not a
test: nothing is asserted.

`--a-every-position` makes A's encoder compute every position in its last block and read the wanted ones afterwards,
as before `SequenceEncoder` took `at` (the last block only where the loss reads): the speed of that change, with the
same recipe on both sides. `--a-torch-dropout` makes A draw its dropout with PyTorch's `F.dropout` and its attention
dropout inside `F.scaled_dot_product_attention` (`bernoulli_`, the path before `models.transformer.dropout`);
`--a-torch-ce` computes BERT4Rec's full cross-entropy with `F.cross_entropy` (`catalogue_ce`, the path before it
used `chunked_cross_entropy`). `--a-rand-dropout` draws A's CPU dropout masks with `rand`, one 32-bit draw a value
(the path before `dropout` took 16 bits of a 64-bit draw). All three swap module functions only while A's steps run.

Usage: python bench/step_speed.py --dataset amazon-beauty --model sasrec --a model.length_groups=1 [--b ...]
       python bench/step_speed.py --dataset ml-100k --model bert4rec --a data.last_prob=1.0 --b data.last_prob=1.0 --a-every-position
       python bench/step_speed.py --dataset ml-100k --model bert4rec --a-torch-dropout --a-torch-ce --threads 2
       python bench/step_speed.py --dataset ml-100k --model bert4rec --a-rand-dropout --threads 2
       [--steps 40] [--warmup 5] [--rounds 2] [--threads 1] [--tag T] [--out-dir bench/results]
"""
from __future__ import annotations

import argparse
import contextlib
import datetime
import json
import platform
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _commit() -> str:
    try: return subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError): return "unknown"


def _every_position(encoder):
    "Make `encoder` run its last block at every position and gather the wanted ones afterwards (the path before `at`)."
    from recsys_nb.models.transformer import gather_positions
    forward = encoder.forward
    def full(seq, extra=None, at=None):
        h = forward(seq, extra)
        return h if at is None else gather_positions(h, at)
    encoder.forward = full


def _rand_dropout(x, p, training=True):
    "`models.transformer.dropout` as it was before 16-bit masks: one `rand` draw a value."
    import torch
    import torch.nn.functional as F
    if not training or p == 0: return x
    if x.device.type != "cpu" or p == 1: return F.dropout(x, p, True)
    return x * torch.rand_like(x).ge_(p).mul_(1 / (1 - p))


@contextlib.contextmanager
def _torch_paths(dropout:bool, ce:bool, rand:bool=False):
    "While in the block: dropout through `F.dropout` and SDPA (`dropout`) or drawn with `rand` (`rand`), BERT4Rec's CE through `catalogue_ce` (`ce`)."
    import torch.nn.functional as F

    import recsys_nb.models.bert4rec as b4
    import recsys_nb.models.transformer as tr
    from recsys_nb.models.losses import catalogue_ce
    saved = tr.dropout, tr.math_attention, b4.full_cross_entropy
    if dropout:
        tr.dropout = lambda x, p, training=True: F.dropout(x, p, training)
        tr.math_attention = lambda q, k, v, mask=None, p=0.0: F.scaled_dot_product_attention(q, k, v, attn_mask=mask, dropout_p=p)
    elif rand: tr.dropout = _rand_dropout
    if ce: b4.full_cross_entropy = lambda h, w, y, b, impl, chunk_size=None: catalogue_ce(h, w, b, y)
    try: yield
    finally: tr.dropout, tr.math_attention, b4.full_cross_entropy = saved


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--dataset", required=True); p.add_argument("--model", default="sasrec")
    p.add_argument("--a", nargs="*", default=[], metavar="KEY=VALUE", help="-o options of recipe A")
    p.add_argument("--b", nargs="*", default=[], metavar="KEY=VALUE", help="-o options of recipe B (default: the CLI recipe)")
    p.add_argument("--steps", type=int, default=40); p.add_argument("--warmup", type=int, default=5)
    p.add_argument("--rounds", type=int, default=2); p.add_argument("--threads", type=int, default=1)
    p.add_argument("--a-every-position", action="store_true", help="A's last block computes every position (as before `at`)")
    p.add_argument("--a-torch-dropout", action="store_true", help="A draws dropout with F.dropout and SDPA (bernoulli_)")
    p.add_argument("--a-torch-ce", action="store_true", help="A's BERT4Rec CE through F.cross_entropy (catalogue_ce)")
    p.add_argument("--a-rand-dropout", action="store_true", help="A draws its CPU dropout masks with rand (before 16-bit masks)")
    p.add_argument("--seed", type=int, default=0); p.add_argument("--tag"); p.add_argument("--out-dir", default=str(ROOT/"bench/results"))
    a = p.parse_args(argv)
    if a.steps < 1 or a.warmup < 0 or a.rounds < 1: p.error("--steps and --rounds must be positive, --warmup not negative")
    if a.a_torch_dropout and a.a_rand_dropout: p.error("--a-torch-dropout and --a-rand-dropout are two different A paths: pick one")
    if a.a == a.b and not (a.a_every_position or a.a_torch_dropout or a.a_torch_ce or a.a_rand_dropout): p.error("--a and --b give the same recipe: nothing to compare")
    import torch

    from recsys_nb.experiment import build, recipe, resolved_options
    from recsys_nb.trainers import make_optimizer
    torch.set_num_threads(a.threads)
    runs = {}
    for name, opts in (("a", a.a), ("b", a.b)):
        try: r = recipe(a.model).override(*opts, f"dataset={a.dataset}", f"seed={a.seed}")
        except ValueError as e: raise SystemExit(f"--{name} {opts}: {e}") from None
        run = build(r, split=runs["a"][0].split if runs else None)
        run.model.train()
        if name == "a" and a.a_every_position: _every_position(run.model.encoder)
        tb = run.model.train_batches(run.split, **r.data, seed=a.seed)
        lr = resolved_options(r, run.model, tb).get("trainer.lr", r.trainer["lr"])   # BERT4Rec's rule
        runs[name] = (run, make_optimizer(run.model, r.trainer.get("optimizer", "adam"), lr=lr), tb)
    it = iter(runs["a"][2])   # both recipes step on a's batches
    batches = [b for _, b in zip(range(a.warmup + a.steps), it)]
    if len(batches) < a.warmup + a.steps: raise SystemExit(f"{a.dataset}: an epoch has only {len(batches)} batches; lower --steps")

    def steps(name, bs):
        run, opt, _ = runs[name]
        with _torch_paths(name == "a" and a.a_torch_dropout, name == "a" and a.a_torch_ce, name == "a" and a.a_rand_dropout):
            for b in bs:
                loss = run.model.loss(b); opt.zero_grad(set_to_none=True); loss.backward(); opt.step()

    ms = {"a": [], "b": []}
    for _ in range(a.rounds):
        for name in ("a", "b"):
            steps(name, batches[:a.warmup])
            t = time.perf_counter(); steps(name, batches[a.warmup:]); ms[name].append((time.perf_counter() - t) / a.steps * 1000)
    mean = {k: round(sum(v) / len(v), 1) for k, v in ms.items()}   # the ratio is of the recorded means: the file reads self-consistent
    res = {"dataset": a.dataset, "model": a.model, "a": a.a, "b": a.b, "a_every_position": a.a_every_position,
           "a_torch_dropout": a.a_torch_dropout, "a_torch_ce": a.a_torch_ce, "a_rand_dropout": a.a_rand_dropout, "steps": a.steps, "warmup": a.warmup, "rounds": a.rounds,
           "threads": a.threads, "seed": a.seed, "ms_per_step": {k: [round(x, 1) for x in v] for k, v in ms.items()},
           "mean_ms": mean, "speedup_b_over_a": round(mean["a"] / mean["b"], 2),
           "command": "python bench/step_speed.py " + " ".join(sys.argv[1:] if argv is None else argv),
           "commit": _commit(), "machine": f"{platform.machine()}, {platform.system()}", "torch": torch.__version__,
           "date": datetime.datetime.now().strftime("%Y-%m-%d %H:%M:%S")}
    out = Path(a.out_dir)/f"step-speed-{a.dataset}-{a.model}{'-' + a.tag if a.tag else ''}.json"
    out.parent.mkdir(parents=True, exist_ok=True); out.write_text(json.dumps(res, indent=1) + "\n")
    print(f"{a.model} on {a.dataset}, {a.steps} steps x {a.rounds} rounds, {a.threads} thread(s):")
    for k, opts in (("a", a.a), ("b", a.b)):
        every = "".join(f", {w}" for w, on in (("every position in the last block", a.a_every_position),
                        ("torch's dropout", a.a_torch_dropout), ("F.cross_entropy", a.a_torch_ce),
                        ("dropout drawn with rand", a.a_rand_dropout)) if k == "a" and on)
        print(f"  {k} ({' '.join(opts) or 'CLI recipe'}{every}): {mean[k]:.1f} ms/step {ms[k]}")
    print(f"  b is {res['speedup_b_over_a']}x a; written to {out}")


if __name__ == "__main__":
    main()
