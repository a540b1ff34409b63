"Build a wheel, install it (not editable) into a fresh virtualenv, and use the installed package and command."
import subprocess
import sys
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

def run(*cmd, **kw):
    r = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, **kw)
    assert r.returncode == 0, f"{' '.join(map(str, cmd))} failed ({r.returncode}):\n{r.stdout[-3000:]}\n{r.stderr[-3000:]}"
    return r.stdout

@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    "A fresh virtualenv holding the wheel of this checkout (its dependencies from the package index)."
    tmp = tmp_path_factory.mktemp("install")
    run(sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", tmp/"dist", ROOT)
    wheels = list((tmp/"dist").glob("recsys_nb-*.whl"))
    assert len(wheels) == 1, wheels
    venv.create(tmp/"venv", with_pip=True)
    bin = tmp/"venv"/"bin"
    import torch  # install the torch build we test with first, so the wheel's `torch>=2.2` needs nothing more
    run(bin/"python", "-m", "pip", "install", "-q", f"torch=={torch.__version__.split('+')[0]}")
    run(bin/"python", "-m", "pip", "install", "-q", wheels[0])
    return bin, wheels[0]

def test_wheel_contents(installed):
    import zipfile
    names = zipfile.ZipFile(installed[1]).namelist()
    assert "recsys_nb/core.py" in names and "recsys_nb/cli.py" in names
    assert not any(n.startswith(("nbs/", "tests/", "tools/")) for n in names), "wheel must hold only the package"
    assert any(n.endswith("entry_points.txt") for n in names)

def test_import_from_wheel(installed, tmp_path):
    bin, _ = installed
    # run outside the checkout so the source folder cannot shadow the installed package
    out = run(bin/"python", "-c", "import recsys_nb, recsys_nb.core as c; print(recsys_nb.__file__); print(c.get_device('cpu'))",
              cwd=tmp_path)
    path, dev = out.split()
    assert Path(path).is_relative_to(bin.parent), f"imported from {path}, not from the fresh virtualenv"
    assert "editable" not in path and dev == "cpu"

def test_console_script(installed, tmp_path):
    bin, _ = installed
    out = run(bin/"recsys-nb", "--help", cwd=tmp_path)
    assert out.startswith("usage: recsys-nb") and "version" in out
    out = run(bin/"recsys-nb", "version", cwd=tmp_path)
    import recsys_nb
    assert out.splitlines()[0] == f"recsys_nb {recsys_nb.__version__}"

def test_experiment_api_from_wheel(installed, tmp_path):
    bin, _ = installed
    out = run(bin/"python", "-c", "from recsys_nb.experiment import Recipe, recipe, run, load_run, resume; "
              "r = recipe('sasrec'); print(type(r).__name__, r.model['max_len'])", cwd=tmp_path)
    assert out.split() == ["Recipe", "50"]
