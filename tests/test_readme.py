"The README's main job (`make demo`) runs, with a small epoch count, so it cannot rot."
import json
import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

def test_readme_names_the_two_commands():
    readme = (ROOT/"README.md").read_text()
    assert "make demo" in readme and "make test" in readme

def test_demo_body(tmp_path):
    out = tmp_path/"demo"
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    r = subprocess.run(["make", "--no-print-directory", "demo-run", f"VENV={sys.prefix}", f"DEMO_OUT={out}",
                        "DEMO_ARGS=--epochs 2 --quiet"], cwd=ROOT, capture_output=True, text=True, env=env, timeout=600)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    assert re.search(r"^sasrec\s+[\d.]+\s+[\d.]+", r.stdout, re.M), r.stdout   # the model's metrics row
    assert re.search(r"^MostPop\s+[\d.]+\s+[\d.]+", r.stdout, re.M), r.stdout  # beside MostPop's
    assert "Top 10 for user 1" in r.stdout
    lines = r.stdout.split("Top 10 for user 1")[1].splitlines()
    head = next(i for i, l in enumerate(lines) if l.split()[:2] == ["item", "title"])
    assert len([l for l in lines[head + 1:] if l.strip()]) == 10, lines   # a header and 10 recommendations
    m = json.loads((out/"metrics.json").read_text())
    assert m["protocol"]["exclude_seen"] is True and m["epochs_run"] == 2

def test_readme_claims_come_from_the_result_files():
    "The measured claims in the README are what bench/results holds today (tools/headline.py), not typed numbers."
    sys.path.insert(0, str(ROOT/"tools"))
    from headline import headline
    text = headline()
    assert "SASRec" in text and "MF reaches RMSE" in text, text
    assert text in (ROOT/"README.md").read_text(), "README.md is stale: re-run nbs/index.ipynb's headline cell, then make readme"
    nb = json.loads((ROOT/"nbs"/"index.ipynb").read_text())
    shown = ["".join(o.get("data", {}).get("text/markdown", "")) for c in nb["cells"] if c["cell_type"] == "code"
             for o in c.get("outputs", [])]
    assert text in shown, "nbs/index.ipynb shows an older headline: re-run its headline cell"
