"""The task: fixed periodic sources, linearly mixed by a context matrix that changes every n_t
samples (Naumann, Keijser & Sprekeler 2022, Methods "Task").

Everything is synthetic and deterministic. The data stage writes one file of test contexts per
number of sources (``test_bank``): every sweep point is evaluated on the same contexts, so
sweep points can be compared pairwise. Training contexts are drawn inside each training job
from the point's seed.

Sources are sampled at 8 kHz for 2 s (16 000 samples) and scaled to a maximum |s| of 1.
"""

from __future__ import annotations

import math

import numpy as np

FS = 8000  # Hz
DURATION = 2.0  # s
N_SAMPLES = int(FS * DURATION)
MIN_DET = 0.2  # contexts with |det A| <= 0.2 are redrawn (nearly singular mixings)

#: Source sets, as lists of (waveform, frequencies in Hz). A chord sums its sines.
SOURCE_SETS: dict[str, list[tuple[str, tuple[float, ...]]]] = {
    "chords": [("sine", (100.0, 125.0)), ("sine", (150.0, 210.0))],  # Figs. 1-4, 6-7
    "sines": [("sine", (100.0,)), ("sine", (180.0,))],  # Fig. 5; the quick configuration
    "chords_alt": [("sine", (120.0, 220.0)), ("sine", (100.0, 145.0))],  # Fig. 1-S3 (220: see README)
    "saw_chord": [("sawtooth", (140.0,)), ("sine", (150.0, 210.0))],  # Fig. 1-S3
    "sines_new": [("sine", (130.0,)), ("sine", (230.0,))],  # Fig. 1-S6, sources never trained on
    "ica3": [("sine", (120.0,)), ("square", (80.0,)), ("sawtooth", (140.0,))],  # Fig. 1-S4
}
#: Fig. 1-S5: a bank of sines; a model trains on pairs from a subset and is tested on all pairs
FREQUENCY_BANK = (80.0, 100.0, 120.0, 140.0, 160.0, 180.0, 200.0, 220.0)


def waveform(kind: str, frequency: float, t: np.ndarray) -> np.ndarray:
    phase = frequency * t
    if kind == "sine":
        return np.sin(2 * np.pi * phase)
    if kind == "square":
        return np.sign(np.sin(2 * np.pi * phase))
    if kind == "sawtooth":
        return 2 * (phase - np.floor(phase + 0.5))
    raise ValueError(f"unknown waveform {kind!r}; expected sine, square or sawtooth")


def sources(name: str, frequency_scale: float = 1.0, n_samples: int = N_SAMPLES) -> np.ndarray:
    """[n_samples, n_s] float32, each column scaled to max |s| = 1.

    ``name`` is a source set (``SOURCE_SETS``) or ``bank:f1,f2`` (two sines of the frequency
    bank, Fig. 1-S5). ``frequency_scale`` multiplies every frequency: the quick configuration's
    contexts are 10x shorter than the paper's, and 4x the frequencies keep several periods per
    context (5-9 instead of 1-2) and the signals fast compared to a modulation filtered over
    τ = 0.1 n_t, as in the paper."""
    t = np.arange(n_samples) / FS
    if name.startswith("bank:"):
        spec = [("sine", (float(f),)) for f in name.removeprefix("bank:").split(",")]
    else:
        if name not in SOURCE_SETS:
            raise ValueError(f"unknown source set {name!r}; expected one of {sorted(SOURCE_SETS)} "
                             "or bank:f1,f2")
        spec = SOURCE_SETS[name]
    columns = []
    for kind, frequencies in spec:
        s = sum(waveform(kind, f * frequency_scale, t) for f in frequencies)
        columns.append(s / np.max(np.abs(s)))
    return np.stack(columns, axis=1).astype(np.float32)


def n_sources(name: str) -> int:
    return 2 if name.startswith("bank") else len(SOURCE_SETS[name])


def random_contexts(rng: np.random.Generator, n: int, n_s: int, normalised: bool = True,
                    min_det: float = MIN_DET) -> np.ndarray:
    """[n, n_s, n_s] mixing matrices with entries U(0, 1), rows scaled to sum 1 (``normalised``),
    redrawn until |det A| > min_det. (The original silently treated any unknown mixing type as
    un-normalised; here there are exactly two.)"""
    out = np.empty((n, n_s, n_s))
    filled = 0
    while filled < n:
        a = rng.uniform(0.0, 1.0, size=(2 * (n - filled) + 8, n_s, n_s))
        if normalised:
            a = a / a.sum(axis=2, keepdims=True)
        a = a[np.abs(np.linalg.det(a)) > min_det][: n - filled]
        out[filled:filled + len(a)] = a
        filled += len(a)
    return out.astype(np.float32)


def context_grid(n: int = 20, min_det: float = MIN_DET) -> np.ndarray:
    """The grid of 2x2 normalised contexts for context decoding (Fig. 7): a11, a21 on
    linspace(0, 1, n)², a12 = 1 − a11, a22 = 1 − a21, kept where |det| = |a11 − a21| > min_det
    (272 contexts for n = 20)."""
    values = np.linspace(0.0, 1.0, n)
    a11, a21 = np.meshgrid(values, values, indexing="ij")
    keep = np.abs(a11 - a21) > min_det
    a11, a21 = a11[keep], a21[keep]
    return np.stack([np.stack([a11, 1 - a11], -1), np.stack([a21, 1 - a21], -1)], 1).astype(np.float32)


def test_contexts(grid_size: int = 20) -> dict[str, np.ndarray]:
    """Both test banks in one table (keys ``ns2/<name>`` and ``ns3/<name>``), the data file
    every training job reads."""
    return {f"ns{n_s}/{key}": value for n_s in (2, 3) for key, value in test_bank(n_s, grid_size).items()}


def bank_of(table: dict[str, np.ndarray], n_s: int) -> dict[str, np.ndarray]:
    prefix = f"ns{n_s}/"
    return {key[len(prefix):]: value for key, value in table.items() if key.startswith(prefix)}


def test_bank(n_s: int, grid_size: int = 20, seed: int = 12345) -> dict[str, np.ndarray]:
    """The fixed test contexts every sweep point with n_s sources is evaluated on:
    ``clarity`` (20 contexts, signal clarity), ``decode_train``/``decode_test`` (10 + 10, source
    decoding across contexts), ``freeze_a``/``freeze_b`` (40 context pairs, freeze protocol),
    ``unnormalised`` (20 contexts whose rows do not sum to 1, Fig. 1-S6) and, for 2 sources,
    ``grid`` (context decoding, Fig. 7)."""
    rng = np.random.default_rng([seed, n_s])
    bank = {
        "clarity": random_contexts(rng, 20, n_s),
        "decode_train": random_contexts(rng, 10, n_s),
        "decode_test": random_contexts(rng, 10, n_s),
        "freeze_a": random_contexts(rng, 40, n_s),
        "freeze_b": random_contexts(rng, 40, n_s),
        "unnormalised": random_contexts(rng, 20, n_s, normalised=False),
    }
    if n_s == 2:
        bank["grid"] = context_grid(grid_size)
    return bank


def mixture(contexts: np.ndarray, source_windows: np.ndarray, noise: np.ndarray | None = None) -> np.ndarray:
    """x = A s (+ noise): contexts [..., n_s, n_s], sources [..., T, n_s] -> [..., T, n_s]."""
    x = np.einsum("...ij,...tj->...ti", contexts, source_windows)
    return x if noise is None else x + noise


def signal_to_noise_db(source: np.ndarray, noise_sd: float) -> float:
    return 20 * math.log10(float(np.std(source)) / noise_sd)
