"""Checksummed downloads against a local HTTP server (127.0.0.1 only, no network)."""

import collections
import hashlib
import http.server
import socket
import threading
import time

import pytest

from neurosweep.download import DownloadError, fetch, sha256_of

BODY = bytes(range(256)) * 400 + b"tail"
SHA = hashlib.sha256(BODY).hexdigest()


class Server:
    """A tiny HTTP server whose paths misbehave in chosen ways; counts requests per path."""

    def __init__(self):
        self.hits = collections.Counter()
        self.flaky_failures = 2
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def _send(self, body, status=200, length=None):
                self.send_response(status)
                self.send_header("Content-Type", "application/octet-stream")
                self.send_header("Content-Length", str(len(body) if length is None else length))
                self.send_header("Connection", "close")
                self.end_headers()
                self.wfile.write(body)
                self.wfile.flush()
                self.close_connection = True

            def do_GET(self):
                server.hits[self.path] += 1
                if self.path == "/good":
                    self._send(BODY)
                elif self.path == "/corrupt":
                    self._send(BODY[:-4] + b"TAIL")
                elif self.path == "/truncated":
                    self._send(BODY[:1000], length=len(BODY))
                elif self.path == "/flaky":
                    if server.hits[self.path] <= server.flaky_failures:
                        self._send(b"busy", status=503)
                    else:
                        self._send(BODY)
                elif self.path == "/garbage":
                    self.wfile.write(b"this is not HTTP at all\r\n\r\n")
                    self.wfile.flush()
                    self.close_connection = True
                elif self.path == "/slow":
                    time.sleep(3.0)
                    self._send(BODY)
                else:
                    self._send(b"not found", status=404)

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.02,), daemon=True)
        self.thread.start()

    def url(self, path):
        return f"http://127.0.0.1:{self.port}{path}"

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server():
    s = Server()
    yield s
    s.close()


def _only(directory, *names):
    return sorted(p.name for p in directory.iterdir()) == sorted(names)


def test_good_download(server, tmp_path):
    dest = tmp_path / "data" / "file.bin"
    assert fetch(server.url("/good"), dest, SHA, backoff=0) == dest
    assert dest.read_bytes() == BODY
    assert sha256_of(dest) == SHA
    assert server.hits["/good"] == 1
    assert _only(dest.parent, "file.bin")


def test_present_file_not_downloaded_again(server, tmp_path):
    dest = tmp_path / "file.bin"
    fetch(server.url("/good"), dest, SHA, backoff=0)
    mtime = dest.stat().st_mtime_ns
    fetch(server.url("/good"), dest, SHA, backoff=0)
    fetch(server.url("/nowhere"), dest, SHA, backoff=0)  # the URL is not even tried
    assert server.hits["/good"] == 1 and server.hits["/nowhere"] == 0
    assert dest.stat().st_mtime_ns == mtime


def test_present_file_with_wrong_checksum_is_replaced(server, tmp_path):
    dest = tmp_path / "file.bin"
    dest.write_bytes(b"stale")
    fetch(server.url("/good"), dest, SHA, backoff=0)
    assert dest.read_bytes() == BODY and server.hits["/good"] == 1


def test_corrupt_download_fails_after_retries(server, tmp_path):
    dest = tmp_path / "file.bin"
    with pytest.raises(DownloadError) as info:
        fetch(server.url("/corrupt"), dest, SHA, retries=3, backoff=0)
    assert server.hits["/corrupt"] == 3
    assert not dest.exists() and list(tmp_path.iterdir()) == []
    message = str(info.value)
    assert "checksum mismatch" in message and SHA in message
    assert hashlib.sha256(BODY[:-4] + b"TAIL").hexdigest() in message


def test_truncated_transfer_fails(server, tmp_path):
    dest = tmp_path / "file.bin"
    with pytest.raises(DownloadError) as info:
        fetch(server.url("/truncated"), dest, SHA, retries=2, backoff=0)
    assert server.hits["/truncated"] == 2
    assert "truncated" in str(info.value) and f"1000 of {len(BODY)}" in str(info.value)
    assert not dest.exists() and list(tmp_path.iterdir()) == []


def test_retry_recovers_from_transient_errors(server, tmp_path):
    dest = tmp_path / "file.bin"
    fetch(server.url("/flaky"), dest, SHA, retries=3, backoff=0)
    assert server.hits["/flaky"] == 3
    assert dest.read_bytes() == BODY and _only(tmp_path, "file.bin")


def test_too_few_retries_for_transient_errors(server, tmp_path):
    dest = tmp_path / "file.bin"
    with pytest.raises(DownloadError, match="503"):
        fetch(server.url("/flaky"), dest, SHA, retries=2, backoff=0)
    assert server.hits["/flaky"] == 2 and not dest.exists()


def test_http_error_status(server, tmp_path):
    with pytest.raises(DownloadError, match="404"):
        fetch(server.url("/missing"), tmp_path / "f", SHA, retries=1, backoff=0)
    assert list(tmp_path.iterdir()) == []


def test_non_http_response_is_a_download_error(server, tmp_path):
    dest = tmp_path / "file.bin"
    with pytest.raises(DownloadError):
        fetch(server.url("/garbage"), dest, SHA, retries=2, backoff=0)
    assert server.hits["/garbage"] == 2
    assert list(tmp_path.iterdir()) == []


def test_timeout_is_a_download_error(server, tmp_path):
    dest = tmp_path / "file.bin"
    started = time.monotonic()
    with pytest.raises(DownloadError, match="timed out"):
        fetch(server.url("/slow"), dest, SHA, retries=1, timeout=0.2, backoff=0)
    assert time.monotonic() - started < 2.0  # did not wait for the 3 s answer
    assert list(tmp_path.iterdir()) == []


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_unreachable_url_message(tmp_path):
    url = f"http://127.0.0.1:{_closed_port()}/data/photos.npz"
    dest = tmp_path / "results" / "photos.npz"
    with pytest.raises(DownloadError) as info:
        fetch(url, dest, SHA, retries=2, backoff=0, timeout=5)
    message = str(info.value)
    assert url in message and str(dest) in message and SHA in message
    assert "after 2 attempts" in message and "offline" in message
    assert not dest.exists()
    assert list(dest.parent.iterdir()) == []


def test_backoff_between_attempts(tmp_path, monkeypatch):
    sleeps = []
    monkeypatch.setattr("neurosweep.download.time.sleep", sleeps.append)
    url = f"http://127.0.0.1:{_closed_port()}/x"
    with pytest.raises(DownloadError):
        fetch(url, tmp_path / "x", SHA, retries=3, backoff=0.5)
    assert sleeps == [0.5, 1.0]  # none after the last attempt
