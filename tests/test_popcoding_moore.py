"""Moore's difference limens: checksummed download from a local server, corruption, offline."""

import hashlib
import socket

import pandas as pd
import pytest

from neurosweep.download import ChecksumError, DownloadError
from neurosweep.studies.popcoding import moore

from moore_server import MooreServer, upstream_bytes, write_files

FAST = {"retries": 2, "backoff": 0.0, "timeout": 5.0}


def test_reference_table_rebuilds_the_pinned_upstream_files_exactly():
    """The 24 values we keep are the upstream files' values: same bytes, same SHA-256."""
    files = upstream_bytes()
    assert sorted(files) == sorted(moore.SHA256)
    for name, body in files.items():
        assert hashlib.sha256(body).hexdigest() == moore.SHA256[name], name


def test_download_from_local_server_gives_the_tidy_table(tmp_path):
    with MooreServer(write_files(tmp_path / "served")) as server:
        table = moore.download_moore(tmp_path / "raw", tmp_path / "moore.csv", url=server.url,
                                     offline_fallback=False, **FAST)
    written = pd.read_csv(tmp_path / "moore.csv")
    assert list(written.columns) == moore.COLUMNS
    assert len(written) == 24 and set(written["subject"]) == {1, 2, 3}
    assert (written["source"] == server.url).all()
    reference = moore.read_reference()
    pd.testing.assert_frame_equal(written[["subject", "f_hz", "dl_hz"]], reference, check_dtype=False)
    assert table["dl_hz"].max() == 102  # subject 2 at 8.5 kHz
    # DLs rise steeply with frequency, the qualitative target of Fig. 9
    subject1 = written[written["subject"] == 1]
    assert subject1["dl_hz"].is_monotonic_increasing


def test_corrupted_file_is_an_error_never_replaced_by_the_reference(tmp_path):
    with MooreServer(write_files(tmp_path / "served", corrupt="subj_1")) as server:
        with pytest.raises(ChecksumError, match="checksum mismatch"):
            moore.download_moore(tmp_path / "raw", tmp_path / "moore.csv", url=server.url, **FAST)
    assert not (tmp_path / "moore.csv").exists()
    assert not (tmp_path / "raw" / "subj_1").exists()  # no half-trusted file left behind
    assert list((tmp_path / "raw").glob(".*tmp")) == []


def unused_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_offline_uses_the_cited_reference_values_and_says_so(tmp_path):
    url = f"http://127.0.0.1:{unused_port()}/"  # nothing listens there
    with pytest.raises(DownloadError, match="place it at"):
        moore.download_moore(tmp_path / "raw", tmp_path / "strict.csv", url=url,
                             offline_fallback=False, **FAST)
    table = moore.download_moore(tmp_path / "raw", tmp_path / "moore.csv", url=url, **FAST)
    assert len(table) == 24
    written = pd.read_csv(tmp_path / "moore.csv")
    assert written["source"].str.startswith("reference:").all()


def test_base_url_can_point_at_a_mirror(monkeypatch):
    assert moore.base_url().endswith(f"{moore.COMMIT}/data/")
    monkeypatch.setenv(moore.BASE_URL_VARIABLE, "http://mirror.example/moore")
    assert moore.base_url() == "http://mirror.example/moore/"
