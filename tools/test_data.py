"""The data `make test` needs (ml-100k), before anything is installed and after.

`--precheck` (standard library only, run by `make test` first): finds ml-100k where `recsys_nb.core.find_data`
looks ($RECSYS_NB_DATA, a `shared/data` above the working directory, the download cache); when it is nowhere,
checks within seconds that GroupLens can be reached, and otherwise stops with one line saying what to set.
`--fetch` (with recsys_nb installed): downloads ml-100k into the cache, checksum-verified, when it is not found,
and says so.
"""
from __future__ import annotations

import argparse
import os
import sys
import urllib.request
from pathlib import Path

NAME, URL = "ml-100k", "https://files.grouplens.org/datasets/movielens/ml-100k.zip"

def cache_data() -> Path:
    home = os.environ.get("RECSYS_NB_HOME", "").strip() or "~/.cache/recsys_nb"
    return Path(home).expanduser().resolve()/"data"

def find() -> Path|None:
    "The folder holding ml-100k/, looked for as recsys_nb.core.find_data does."
    env = os.environ.get("RECSYS_NB_DATA", "").strip()
    here = Path.cwd().resolve()
    for c in ([Path(env)] if env else []) + [p/"shared"/"data" for p in (here, *here.parents)] + [cache_data()]:
        c = c.expanduser().resolve()
        if (c/NAME).is_dir(): return c
    return None

def reachable(url:str, timeout:float=5.0) -> bool:
    try:
        with urllib.request.urlopen(urllib.request.Request(url, method="HEAD"), timeout=timeout): return True
    except Exception: return False

def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--fetch", action="store_true", help="download ml-100k into the cache when it is not found")
    a = ap.parse_args()
    found = find()
    if found is not None:
        print(f"test data: {NAME} in {found}")
        return 0
    env = os.environ.get("RECSYS_NB_DATA", "").strip()
    if env:
        print(f"make test: RECSYS_NB_DATA={env} holds no {NAME}/ folder: point it at the folder that holds {NAME}/", file=sys.stderr)
        return 2
    if not a.fetch:
        if reachable(URL): print(f"test data: {NAME} not found; it will be downloaded into {cache_data()} (checksum-verified)")
        else:
            print(f"make test needs {NAME} and {URL} cannot be reached: set RECSYS_NB_DATA to a folder holding {NAME}/ "
                  f"(make test RECSYS_NB_DATA=/path/to/data), or run once with internet access", file=sys.stderr)
            return 2
        return 0
    from recsys_nb.data.movielens import load_movielens  # the library's verified download and extraction
    load_movielens(NAME, data_dir=cache_data())
    print(f"test data: downloaded {NAME} into {cache_data()} (MD5 verified); later runs use it from there")
    return 0

if __name__ == "__main__":
    sys.exit(main())
