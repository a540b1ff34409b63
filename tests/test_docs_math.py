"""Formulas render in a real browser: `tools/check_math.py` opens the built pages in headless Chromium and counts
what MathJax typeset. Skipped where no Chromium is installed (`apt-get install chromium`); the site is the one
`make check` builds before pytest runs (`_docs/`)."""
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT/"tools"))
import check_math  # noqa: E402

BROWSER = check_math.find_browser()
needs_browser = pytest.mark.skipif(BROWSER is None, reason="no headless Chromium installed (apt-get install chromium)")

@needs_browser
def test_docs_formulas_typeset():
    site = ROOT/"_docs"
    if not (site/"index.html").exists(): pytest.skip("no built site: run python tools/build_docs.py")
    p = subprocess.run([sys.executable, str(ROOT/"tools"/"check_math.py"), "--site", str(site)],
                       capture_output=True, text=True, timeout=900)
    assert p.returncode == 0, p.stdout + p.stderr
    for page in ("models.mf.html", "models.bst.html", "tutorials/bst.html", "tutorials/matrix_factorization.html"):
        line = next((x for x in p.stdout.splitlines() if x.startswith(page + ":")), None)
        assert line and " 0 of " not in line, p.stdout

@needs_browser
def test_check_math_catches_untypeset_and_raw_math(tmp_path):
    "The check fails a page whose formula MathJax never typeset (no script) and one showing raw $$."
    site = ROOT/"_docs"
    if not (site/"index.html").exists(): pytest.skip("no built site: run python tools/build_docs.py")
    page = site/"models.mf.html"
    html = page.read_text()
    bare = tmp_path/"bare.html"
    bare.write_text(html.replace("_static/mathjax/", "_static/no-such-mathjax/"))
    shutil.copytree(site/"_static", tmp_path/"_static")
    _, got, probs = check_math.check_page(BROWSER, bare)
    assert got == 0 and any("typeset" in x for x in probs), probs
    raw = tmp_path/"raw.html"
    raw.write_text(bare.read_text().replace("</article>", "<p>$$ r_{ui} $$</p></article>", 1))   # no MathJax to typeset it
    _, _, probs = check_math.check_page(BROWSER, raw)
    assert any("raw $$" in x for x in probs), probs
    _, got, probs = check_math.check_page(BROWSER, page)
    assert got >= 1 and probs == [], probs
