"Download tests for recsys_nb.data.movielens that need a (loopback-only) HTTP server or fault injection."
import hashlib
import http.server
import os
import threading
import zipfile
from pathlib import Path

import pytest

import recsys_nb.data.movielens as ml
from recsys_nb.core import find_data
from recsys_nb.data.movielens import ChecksumError, DownloadError, download_url, load_movielens


def _shared_data() -> Path: return find_data("ml-100k", start=Path(__file__).parent)


class _Handler(http.server.BaseHTTPRequestHandler):
    files: dict = {}
    def log_message(self, *a): pass
    def do_GET(self):
        data = self.files.get(self.path)
        if data is None: self.send_error(404); return
        truncated = self.path.startswith("/truncated")
        self.send_response(200)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data[:len(data)//3] if truncated else data)
        self.wfile.flush()
        if truncated: self.close_connection = True


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    "A loopback HTTP server serving a zip of the shared ml-100k, a truncated copy and a blob."
    d = tmp_path_factory.mktemp("srv")
    src = _shared_data()/"ml-100k"
    z = d/"ml-100k.zip"
    with zipfile.ZipFile(z, "w", zipfile.ZIP_DEFLATED) as zf:
        for f in ("u.data", "u.item", "u.user", "u.genre"): zf.write(src/f, f"ml-100k/{f}")
    blob = os.urandom(3 << 20)
    _Handler.files = {"/ml-100k.zip": z.read_bytes(), "/truncated.bin": blob, "/blob.bin": blob}
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    t = threading.Thread(target=httpd.serve_forever, daemon=True); t.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", hashlib.md5(z.read_bytes()).hexdigest(), blob
    httpd.shutdown(); httpd.server_close()


def test_download_over_http_then_offline(server, tmp_path):
    base, md5, _ = server
    d = load_movielens("ml-100k", data_dir=tmp_path, url=f"{base}/ml-100k.zip", md5=md5, progress=True)
    s = d.summary()
    assert (s["n_ratings"], s["n_users"], s["n_items"]) == (100_000, 943, 1682)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ml-100k", "ml-100k.zip"]
    # a second load reads the extracted folder and never touches the network
    again = load_movielens("ml-100k", data_dir=tmp_path, url=f"{base}/nothing-here.zip", download=True)
    assert again.summary() == s


def test_checksum_mismatch_over_http(server, tmp_path):
    base, md5, _ = server
    with pytest.raises(ChecksumError) as e:
        load_movielens("ml-100k", data_dir=tmp_path, url=f"{base}/ml-100k.zip", progress=False)
    msg = str(e.value)
    assert ml.MOVIELENS["ml-100k"].md5 in msg and md5 in msg and "was deleted" in msg
    assert list(tmp_path.iterdir()) == []


def test_truncated_download_leaves_nothing(server, tmp_path):
    base, _, blob = server
    dest = tmp_path/"x.bin"
    with pytest.raises(DownloadError) as e: download_url(f"{base}/truncated.bin", dest, progress=False)
    assert f"{base}/truncated.bin" in str(e.value) and "was removed" in str(e.value)
    assert list(tmp_path.iterdir()) == []


def test_interrupted_download_leaves_nothing(server, tmp_path, monkeypatch):
    base, _, _ = server
    class _Bar:  # a progress bar whose second update is a Ctrl-C
        def __init__(self, *a, **k): self.n = 0
        def __enter__(self): return self
        def __exit__(self, *a): return False
        def update(self, k):
            self.n += 1
            if self.n == 2: raise KeyboardInterrupt
    monkeypatch.setattr(ml, "tqdm", _Bar)
    dest = tmp_path/"blob.bin"
    with pytest.raises(KeyboardInterrupt) as e: download_url(f"{base}/blob.bin", dest)
    assert "interrupted" in str(e.value) and "blob.bin.part was removed" in str(e.value)
    assert list(tmp_path.iterdir()) == []


def test_no_network_names_url_and_target(tmp_path):
    import socket
    with socket.socket() as s:  # a loopback port with nobody listening
        s.bind(("127.0.0.1", 0)); port = s.getsockname()[1]
    url = f"http://127.0.0.1:{port}/ml-1m.zip"
    with pytest.raises(DownloadError) as e: load_movielens("ml-1m", data_dir=tmp_path, url=url, progress=False)
    msg = str(e.value)
    assert url in msg and str(tmp_path.resolve()/"ml-1m.zip") in msg and "nothing was saved" in msg
    assert list(tmp_path.iterdir()) == []


def test_http_404(server, tmp_path):
    base, _, _ = server
    with pytest.raises(DownloadError, match="404"): download_url(f"{base}/missing.zip", tmp_path/"m.zip", progress=False)
    assert list(tmp_path.iterdir()) == []
