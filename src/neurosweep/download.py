"""Checksummed downloads: SHA-256 verified, atomic, retried, with a clear offline error.

Every download rule calls :func:`fetch`. The file appears at its destination only once its
checksum matches, so an interrupted or corrupted transfer never looks like a finished one.
"""

from __future__ import annotations

import hashlib
import http.client
import logging
import os
import time
import urllib.error
import urllib.request
from pathlib import Path

from .io import atomic_path

log = logging.getLogger("neurosweep.download")


class DownloadError(RuntimeError):
    """The file could not be fetched; the message says which URL and how to place it by hand."""


class ChecksumError(DownloadError):
    """The server sent a file, but not the one expected (wrong SHA-256 on every attempt)."""


def sha256_of(path: str | os.PathLike, chunk: int = 1 << 20) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(chunk), b""):
            digest.update(block)
    return digest.hexdigest()


def fetch(url: str, dest: str | os.PathLike, sha256: str, retries: int = 3,
          timeout: float = 60.0, backoff: float = 1.0) -> Path:
    """Download ``url`` to ``dest`` unless a file with the right checksum is already there."""
    dest = Path(dest)
    if dest.exists() and sha256_of(dest) == sha256:
        log.info("%s already present with the right checksum", dest)
        return dest
    last_problem, mismatches = "no attempt made", 0
    for attempt in range(1, retries + 1):
        try:
            with atomic_path(dest) as tmp:
                _copy_url(url, tmp, timeout)
                got = sha256_of(tmp)
                if got != sha256:
                    raise _ChecksumMismatch(f"checksum mismatch: expected {sha256}, got {got}")
            return dest
        except (_ChecksumMismatch, urllib.error.URLError, OSError, ValueError,
                http.client.HTTPException) as problem:  # e.g. BadStatusLine, IncompleteRead
            last_problem = str(problem)
            mismatches += isinstance(problem, _ChecksumMismatch)
            log.warning("download of %s failed (attempt %d/%d): %s", url, attempt, retries, problem)
            if attempt < retries:
                time.sleep(backoff * attempt)
    error = ChecksumError if mismatches == retries else DownloadError
    raise error(
        f"could not download {url} after {retries} attempts ({last_problem}).\n"
        f"If this machine is offline, fetch the file elsewhere and place it at {dest} "
        f"(its SHA-256 must be {sha256}); the workflow will then use it.")


class _ChecksumMismatch(ValueError):
    pass


def _copy_url(url: str, path: Path, timeout: float) -> None:
    with urllib.request.urlopen(url, timeout=timeout) as response, open(path, "wb") as out:
        expected = response.headers.get("Content-Length")
        copied = 0
        for block in iter(lambda: response.read(1 << 20), b""):
            out.write(block)
            copied += len(block)
        if expected is not None and copied != int(expected):
            raise ValueError(f"truncated transfer: got {copied} of {expected} bytes")
