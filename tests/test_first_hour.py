"""The first hour: `make test` looks for ml-100k before installing anything and, offline without it, stops within
seconds with one line saying what to set."""
import os
import subprocess
import sys
import time
from pathlib import Path

TOOL = Path(__file__).parents[1]/"tools"/"test_data.py"

def test_data_precheck_without_data(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "RECSYS_NB_DATA"}
    env["RECSYS_NB_HOME"] = str(tmp_path/"home")            # an empty download cache
    t = time.perf_counter()
    p = subprocess.run([sys.executable, str(TOOL)], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)
    assert time.perf_counter() - t < 20
    if p.returncode == 0: assert "will be downloaded into" in p.stdout, p.stdout    # GroupLens reachable from here
    else:
        assert p.returncode == 2 and "set RECSYS_NB_DATA to a folder holding ml-100k/" in p.stderr, p.stderr
        assert len(p.stderr.strip().splitlines()) == 1 and "Traceback" not in p.stderr

def test_data_precheck_finds_data(tmp_path):
    (tmp_path/"data"/"ml-100k").mkdir(parents=True)
    p = subprocess.run([sys.executable, str(TOOL)], cwd=tmp_path, env={**os.environ, "RECSYS_NB_DATA": str(tmp_path/"data")},
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 0 and f"ml-100k in {tmp_path/'data'}" in p.stdout, p.stdout + p.stderr
    p = subprocess.run([sys.executable, str(TOOL)], cwd=tmp_path, env={**os.environ, "RECSYS_NB_DATA": str(tmp_path/"nope")},
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 2 and "holds no ml-100k/ folder" in p.stderr
