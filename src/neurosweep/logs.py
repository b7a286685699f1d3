"""Send a job's log records and printed output to its Snakemake log file."""

from __future__ import annotations

import contextlib
import logging
import os
from pathlib import Path
from typing import Iterator


@contextlib.contextmanager
def log_to(path: str | os.PathLike) -> Iterator[None]:
    """Log (INFO and up) and stdout/stderr go to ``path`` for the duration of the block."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", buffering=1) as handle:
        handler = logging.StreamHandler(handle)
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        root = logging.getLogger()
        root.addHandler(handler)
        root.setLevel(logging.INFO)
        try:
            with contextlib.redirect_stdout(handle), contextlib.redirect_stderr(handle):
                yield
        except BaseException:
            logging.getLogger("neurosweep").exception("job failed")
            raise
        finally:
            root.removeHandler(handler)
