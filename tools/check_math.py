"""Check in headless Chromium that every formula of the built docs site renders.

`tools/build_docs.py --check` verifies the HTML (no raw `$$`, MathJax served from the site); this script opens each
page that has math in a real browser, lets MathJax run, and counts what it typeset: every math node of the page
must become a MathJax container, with no MathJax error node and no raw `$$` left in the text.

Usage: python tools/check_math.py [--site _docs] [--browser chromium]   (exit 2 when no browser is found)
"""
from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
MATH_NODE = re.compile(r'<(?:div|span)[^>]*class="math notranslate nohighlight"')

def find_browser(name:str|None=None) -> str|None:
    "Path of a headless-capable Chromium (`name`, else the first of `BROWSERS` on PATH)."
    for b in ([name] if name else BROWSERS):
        if p := shutil.which(b): return p
    return None

def rendered_dom(browser:str, page:Path, budget_ms:int=20000) -> str:
    "The page's DOM after its scripts ran (`--virtual-time-budget` lets MathJax finish without waiting in real time)."
    cmd = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--allow-file-access-from-files",
           f"--virtual-time-budget={budget_ms}", "--dump-dom", page.resolve().as_uri()]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120).stdout

def check_page(browser:str, page:Path) -> tuple[int, int, list[str]]:
    "Math nodes in the HTML, MathJax containers in the rendered DOM, and the problems found."
    want = len(MATH_NODE.findall(page.read_text()))
    dom = rendered_dom(browser, page)
    got, errors = dom.count("<mjx-container"), dom.count("<mjx-merror")
    body = re.sub(r"<script.*?</script>|<style.*?</style>|<pre.*?</pre>|<code.*?</code>", "", dom, flags=re.S)
    probs = []
    if not dom: probs.append("the browser returned no DOM")
    elif got < want: probs.append(f"{want} formulas, {got} typeset by MathJax")
    if errors: probs.append(f"{errors} MathJax error nodes")
    if "$$" in body: probs.append("raw $$ in the rendered text")
    return want, got, probs

def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--site", default=str(ROOT/"_docs"), help="built site (python tools/build_docs.py)")
    ap.add_argument("--browser", default=None, help=f"browser executable (default: the first of {', '.join(BROWSERS)})")
    a = ap.parse_args(argv)
    site, browser = Path(a.site), find_browser(a.browser)
    if browser is None:
        print(f"check_math: no headless browser found ({', '.join(BROWSERS)}); install one, e.g. apt-get install chromium",
              file=sys.stderr)
        return 2
    if not (site/"index.html").exists():
        print(f"check_math: no site in {site}: run python tools/build_docs.py first", file=sys.stderr)
        return 1
    pages = [p for p in sorted(site.rglob("*.html")) if "_static" not in p.parts and "_sources" not in p.parts
             and MATH_NODE.search(p.read_text())]
    bad = 0
    for p in pages:
        want, got, probs = check_page(browser, p)
        print(f"{p.relative_to(site)}: {got} of {want} formulas typeset" + (f" -- {'; '.join(probs)}" if probs else ""))
        bad += bool(probs)
    print(f"check_math: {len(pages)} pages with math, {bad} with problems")
    return 1 if bad or not pages else 0

if __name__ == "__main__":
    sys.exit(main())
