"""A local HTTP server (127.0.0.1) serving Moore's three files, rebuilt from the reference
table in the format of the original repository's files (pandas CSVs: ``,f,limens``)."""

from __future__ import annotations

import functools
import http.server
import threading
from pathlib import Path

from neurosweep.studies.popcoding.moore import read_reference


def upstream_bytes() -> dict[str, bytes]:
    """subj_1..3 as the original repository stores them, from our reference table."""
    files = {}
    for subject, rows in read_reference().groupby("subject"):
        lines = [",f,limens"] + [f"{i},{f!r},{dl!r}" for i, (f, dl) in
                                 enumerate(zip(rows["f_hz"].astype(float), rows["dl_hz"].astype(float)))]
        files[f"subj_{subject}"] = ("\n".join(lines) + "\n").encode()
    return files


class MooreServer:
    """Serves a directory of files; ``url`` is its base URL (ends with '/')."""

    def __init__(self, directory: Path):
        handler = functools.partial(_QuietHandler, directory=str(directory))
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> "MooreServer":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def write_files(directory: Path, corrupt: str | None = None) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    files = upstream_bytes()
    if corrupt is not None and corrupt not in files:
        raise ValueError(f"no file {corrupt!r} to corrupt; files: {sorted(files)}")
    for name, body in files.items():
        if name == corrupt:
            body = body.rstrip(b"\n") + b"1\n"  # the last limen gains a digit: still a valid table
        (directory / name).write_bytes(body)
    return directory
