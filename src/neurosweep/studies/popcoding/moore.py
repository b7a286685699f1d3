"""Moore's frequency difference limens (Fig. 9's human data): download, check, tidy.

The three files (``subj_1..3``: pandas CSVs with columns ``,f,limens``, Hz) were removed from
the original repository's main branch, so the URLs pin the commit that added them. Each file is
checked against its SHA-256. When the network is unreachable, the 24 published values kept in
``moore1979_reference.csv`` (same numbers, cited) are used instead and the tidy table says so in
its ``source`` column; a file that downloads but fails its checksum is an error, never replaced.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from neurosweep.download import ChecksumError, DownloadError, fetch
from neurosweep.io import atomic_path

log = logging.getLogger("neurosweep.popcoding")

COMMIT = "415b86cc94f88cdc2353a1cd2659739c8c898cf3"
BASE_URL = f"https://raw.githubusercontent.com/simonebmalerba/neural_VAE/{COMMIT}/data/"
#: Set this to a mirror (a directory URL holding subj_1..3) to download from elsewhere.
BASE_URL_VARIABLE = "NEUROSWEEP_MOORE_BASE_URL"
SHA256 = {
    "subj_1": "f67a24c2e33440d27bc74f6fd1190c95930a3882ba7e90b57249e097c99682c6",
    "subj_2": "ad3014a6db9d2a70f17fd6b30dab3489161295e114b389b4211e58da1e3d4017",
    "subj_3": "341325ab7b81e35343f55781f010ecd436a78926b9d597c97ebbdcac7596e5e2",
}
REFERENCE = Path(__file__).with_name("moore1979_reference.csv")
COLUMNS = ["subject", "f_hz", "dl_hz", "source"]


def base_url() -> str:
    url = os.environ.get(BASE_URL_VARIABLE, BASE_URL)
    return url if url.endswith("/") else url + "/"


def read_subject_file(path: str | os.PathLike, subject: int) -> "pd.DataFrame":
    import pandas as pd  # (imported where used: figure and claims jobs start faster without it)

    raw = pd.read_csv(path, index_col=0)
    return pd.DataFrame({"subject": subject, "f_hz": raw["f"].astype(float),
                         "dl_hz": raw["limens"].astype(float)}).reset_index(drop=True)


def read_reference() -> "pd.DataFrame":
    import pandas as pd

    table = pd.read_csv(REFERENCE, comment="#")
    return table.astype({"subject": int, "f_hz": float, "dl_hz": float})


def download_moore(raw_dir: str | os.PathLike, out: str | os.PathLike, url: str | None = None,
                   offline_fallback: bool = True, **fetch_options) -> "pd.DataFrame":
    """Fetch the three files into ``raw_dir`` (checksummed) and write the tidy table ``out``."""
    import pandas as pd

    url = url or base_url()
    try:
        parts = []
        for subject, (name, digest) in enumerate(SHA256.items(), start=1):
            path = fetch(url + name, Path(raw_dir) / name, digest, **fetch_options)
            parts.append(read_subject_file(path, subject))
        table = pd.concat(parts, ignore_index=True).assign(source=url)
    except ChecksumError:
        raise  # the server answered with other bytes: never paper over that
    except DownloadError as problem:
        if not offline_fallback:
            raise
        log.warning("%s\nUsing the published values kept in %s instead.", problem, REFERENCE.name)
        table = read_reference().assign(source=f"reference:{REFERENCE.name}")
    with atomic_path(out) as tmp:
        table[COLUMNS].to_csv(tmp, index=False)
    return table


def read_moore(path: str | os.PathLike) -> "pd.DataFrame":
    import pandas as pd

    return pd.read_csv(path)
