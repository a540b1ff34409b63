"bench/train_speed.py runs end to end on the CPU at a tiny scale and writes the JSON and Markdown it promises (no timings asserted)."
import importlib.util
import json
import math
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT/"bench"/"train_speed.py"

def _module():
    spec = importlib.util.spec_from_file_location("train_speed", SCRIPT)
    m = importlib.util.module_from_spec(spec); spec.loader.exec_module(m)
    return m

def test_peak_flops_lookup():
    m = _module()
    assert m.peak_flops_for("NVIDIA H100 80GB HBM3") == 989e12
    assert m.peak_flops_for("NVIDIA H100 PCIe") == 756e12
    assert m.peak_flops_for("NVIDIA H200") == 989e12
    assert m.peak_flops_for("NVIDIA A100-SXM4-80GB") == 312e12
    assert m.peak_flops_for("NVIDIA L40S") == 362e12
    assert m.peak_flops_for("Some Unknown GPU") is None

def test_cpu_tiny_run(tmp_path):
    out = tmp_path/"ts"
    cmd = [sys.executable, str(SCRIPT), "--device", "cpu", "--shape", "ml-1m", "--scale", "0.01", "--max-steps", "2",
           "--compile", "off", "--max-len", "20", "--d-model", "16", "--batch-size", "16", "--threads", "1", "--out", str(out)]
    p = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert p.returncode == 0, p.stderr[-3000:]
    res = json.loads((tmp_path/"ts.json").read_text())
    md = (tmp_path/"ts.md").read_text()
    assert {"machine", "config", "data", "train", "eval"} <= set(res)
    assert res["machine"]["device"] == "cpu" and res["machine"]["cpu_count"] >= 1 and res["machine"]["torch"]
    d = res["data"]["ml-1m"]
    assert d["n_items"] == 3706 and d["n_users"] == 60 and d["n_interactions"] >= 60 * 20
    # CPU default: bf16 off only; one row per (shape, model, bf16, compile)
    assert [(r["shape"], r["model"], r["bf16"], r["compile"]) for r in res["train"]] == \
           [("ml-1m", "sasrec", "off", "off"), ("ml-1m", "bert4rec", "off", "off")]
    for r in res["train"]:
        assert r["status"] == "ok", r
        for k in ("s_per_epoch", "seq_per_s", "tok_per_s", "targets_per_s", "peak_mem_mb", "tflops_per_s", "flops_per_step"):
            assert isinstance(r[k], (int, float)) and r[k] > 0 and math.isfinite(r[k]), (k, r[k])
        assert r["mfu"] is None                       # no MFU on the CPU
        assert r["steps_timed"] == 2 and r["extrapolated"] == (r["steps_per_epoch"] > 2)
        assert r["loss_finite"] and r["tok_per_s"] > r["seq_per_s"]
    assert [(r["model"], r["bf16"]) for r in res["eval"]] == [("sasrec", "off"), ("bert4rec", "off")]
    for r in res["eval"]:
        assert r["status"] == "ok", r
        assert r["users"] == 60 and r["items"] == 3706 and r["seconds"] > 0 and r["peak_mem_mb"] > 0
    assert "| ml-1m | sasrec | bench | ce | chunked | off | off |" in md and "n/a" in md and "extrapolated" in md and "scale 0.01" in md
    assert all(r["objective"] == "ce" and r["ce_backend"] == "chunked" and r["d_model"] == 16 for r in res["train"])

def test_cpu_cli_recipe_and_sampled_rows(tmp_path):
    "The command line's recipes (their own architecture and batches) and a sampled objective, side by side with chunked CE."
    out = tmp_path/"cli"
    cmd = [sys.executable, str(SCRIPT), "--device", "cpu", "--shape", "ml-1m", "--scale", "0.01", "--max-steps", "2",
           "--compile", "off", "--threads", "1", "--recipe", "cli", "--loss", "sampled", "--n-neg", "64", "--no-eval",
           "--ce-impl", "chunked,auto", "--out", str(out)]
    p = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert p.returncode == 0, p.stderr[-3000:]
    res = json.loads((tmp_path/"cli.json").read_text())
    rows = res["train"]
    assert [(r["model"], r["ce_impl"]) for r in rows] == [("sasrec", "chunked"), ("sasrec", "auto"), ("bert4rec", "chunked"), ("bert4rec", "auto")]
    from recsys_nb.experiment import recipe
    for r in rows:
        assert r["status"] == "ok" and r["recipe"] == "cli" and r["objective"] == "sampled" and r["n_neg"] == 64, r
        assert (r["d_model"], r["batch_size"]) == (recipe(r["model"]).model["d_model"], recipe(r["model"]).data["batch_size"])
    assert "| ml-1m | bert4rec | cli | sampled (64) |" in (tmp_path/"cli.md").read_text()
