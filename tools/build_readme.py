"""Render `nbs/index.ipynb` to `README.md` with nbconvert (Quarto's `nbdev_readme` is not available here).

Usage: python tools/build_readme.py          write README.md
       python tools/build_readme.py --check  exit 1 if the committed README.md is stale
"""
from __future__ import annotations

import argparse
import difflib
import re
import sys
from pathlib import Path

import nbformat
from nbconvert import MarkdownExporter

ROOT = Path(__file__).resolve().parents[1]
SRC, DEST = ROOT/"nbs"/"index.ipynb", ROOT/"README.md"
HEADER = "<!-- Generated from nbs/index.ipynb by tools/build_readme.py: edit the notebook, then run `make readme`. -->\n\n"
_HIDE = re.compile(r"^#\|\s*(hide|exporti|export\s*-|default_exp)", re.M)

def _prepare(nb):
    "Drop hidden cells, strip nbdev directives, and point notebook links at `nbs/`."
    cells = []
    for c in nb.cells:
        if c.cell_type == "code" and _HIDE.search(c.source): continue
        if c.cell_type == "code" and re.search(r"^#\|\s*echo:\s*false", c.source, re.M):
            # only the output is shown (e.g. the measured claims, read from bench/results): as the markdown it is
            md = "".join(o.get("data", {}).get("text/markdown", "") for o in c.get("outputs", []))
            if md: cells.append(nbformat.v4.new_markdown_cell(md))
            continue
        if c.cell_type == "code":
            c.source = "\n".join(l for l in c.source.splitlines() if not l.startswith("#|")).strip()
        else:
            c.source = re.sub(r"\]\((?!https?:|#|/)([\w./-]+\.ipynb(?:#[\w-]+)?)\)", r"](nbs/\1)", c.source)
        cells.append(c)
    nb.cells = cells
    nb.metadata["language_info"] = {"name": "python"}  # code blocks fenced as ```python
    return nb

def render() -> str:
    nb = _prepare(nbformat.read(SRC, as_version=4))
    body, _ = MarkdownExporter(exclude_input_prompt=True, exclude_output_prompt=True).from_notebook_node(nb)
    body = re.sub(r"\n{3,}", "\n\n", body).strip() + "\n"
    return HEADER + body

def main(check:bool=False) -> int:
    new = render()
    if check:
        old = DEST.read_text(encoding="utf-8") if DEST.exists() else ""
        if old != new:
            sys.stdout.writelines(difflib.unified_diff(old.splitlines(True), new.splitlines(True), "README.md (committed)", "README.md (from nbs/index.ipynb)"))
            print("README.md is stale: run `make readme` and commit the result", file=sys.stderr)
            return 1
        print("README.md is up to date with nbs/index.ipynb")
        return 0
    DEST.write_text(new, encoding="utf-8")
    print(f"wrote {DEST.relative_to(ROOT)}")
    return 0

if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="fail when README.md differs from what the notebook renders to")
    sys.exit(main(ap.parse_args().check))
