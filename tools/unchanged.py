"""Run a command and fail if it changed any file git sees (tracked or untracked-but-not-ignored).

Used by `make check` for "notebooks are clean" (nbdev_clean) and "library in sync" (nbdev_export): the tree may
hold uncommitted work; what matters is that the command itself changes nothing.
Usage: python tools/unchanged.py CMD [ARGS...]
"""
import hashlib
import subprocess
import sys
from pathlib import Path


def snapshot() -> dict[str, str]:
    out = subprocess.run(["git", "ls-files", "-c", "-o", "--exclude-standard", "-z"], capture_output=True, check=True).stdout
    files = sorted(set(f for f in out.decode().split("\0") if f))
    return {f: hashlib.sha1(Path(f).read_bytes()).hexdigest() if Path(f).is_file() else "missing" for f in files}

def main(cmd: list[str]) -> int:
    before = snapshot()
    r = subprocess.run(cmd)
    if r.returncode: return r.returncode
    after = snapshot()
    changed = sorted(f for f in before.keys() | after.keys() if before.get(f) != after.get(f))
    if changed:
        print(f"`{' '.join(cmd)}` changed files; run it and commit the result:", *changed, sep="\n  ", file=sys.stderr)
        subprocess.run(["git", "--no-pager", "diff", "--stat", "--", *[f for f in changed if f in after]])
        return 1
    print(f"ok: `{' '.join(cmd)}` changed nothing")
    return 0

if __name__ == "__main__":
    if len(sys.argv) < 2: sys.exit(__doc__)
    sys.exit(main(sys.argv[1:]))
