"""Hue sensitivity follows the training hue distribution (Benjamin et al. 2022, Fig. 3).

Paper Fig. 3c: the Fisher information J(H) of deep ResNet18 layers (ImageNet-trained) is high at
the hues that are common in ImageNet (orange/yellow and cyan/blue); Fig. 3d/SI: training on
hue-rotated images shifts it. Neither ImageNet nor the retrained networks are available here
(notes §3.1, W1, W6), so this module reproduces the mechanism with ground truth:

* **Images** whose pixel hues follow a chosen ImageNet-like distribution: a von Mises mixture
  with an orange peak (30°, broad, 65 %) and a blue peak (220°, narrow, 35 %), optionally
  rotated by φ (the sweep parameter ``hue_rotation``, like ``adjust_hue`` on the training set).
  The two peaks are deliberately not 180° apart, so a 90° shift cannot be confused with −90°.
  The network sees one pixel at a time, so drawing pixels independently is the same as drawing
  images and flattening them.
* **Network**: a per-pixel MLP RGB → 64 → 64 → 24 colour names (hue bins of 15°), trained with
  Adam on cross-entropy. Naming the colour is the simplest task for which hue matters;
  gradient descent fits the frequently seen names first, which is the paper's mechanism.
* **Sensitivity** J(H) = ‖∂r/∂H‖² per layer by forward-mode AD (``fisher_information``) along
  two probe circles of hues:

  - ``hsv``: HSV(H, S = 1, V = 0.8), the paper's stimulus. HSV is piecewise linear in RGB, so
    ∂RGB/∂H jumps every 60° and J(H) of *any* network shows steps (and is exactly 0 at the
    sextant boundaries, where the forward derivative of the kinks vanishes). The hue grid is
    therefore offset by half a step, and the init network's curve is always recorded (notes
    §3.2 hygiene, W6).
  - ``opponent``: a smooth circle of constant mean intensity and chroma in the plane orthogonal
    to the grey axis (an opponent-colour plane). Its hue angle coincides with HSV hue at the
    six primaries/secondaries, and a hue rotation is an exact rotation of RGB space about the
    grey axis, under which an isotropically initialised first layer is statistically invariant.

  ``hue_space`` selects the colour model in which training hues are drawn and rotated; the claims
  use the probe of the same space, both probes are always saved.

Claims: T11 (rotating the training hues by 90° shifts J(H) by 90° ± 5°, circular
cross-correlation of the seed-averaged curves) and soft T12 (J_trained/J_init rank-correlates
with the hue density).
"""

from __future__ import annotations

import math
from typing import Callable, Sequence

import numpy as np
import torch
from scipy.special import i0e
from scipy.stats import spearmanr
from torch import Tensor, nn

from neurosweep.aggregate import Run
from neurosweep.claims import Claim, per_seed

from .fisher import fisher_information
from .supervised import InverseCDFSampler

HUE_SPACES = ("opponent", "hsv")

#: ImageNet-like hue distribution (notes §3.2: orange/yellow 10–40° and cyan-blue ≈ 210° peaks).
#: (centre in degrees, concentration κ, weight)
HUE_MIXTURE = ((30.0, 2.5, 0.65), (220.0, 6.0, 0.35))

#: Defaults = the quick settings.
QUICK = dict(hue_space="opponent", hidden=64, n_names=24, lr=1e-2, batch_size=512, steps=600,
             n_snapshots=4, n_hues=180)

LAYER_NAMES = ("fc1", "relu1", "fc2", "relu2", "logits")
#: The deepest hidden representation; the claims use it (the paper's "deep layers").
CLAIM_LAYER = "relu2"

# Opponent plane: unit vectors orthogonal to grey (1,1,1). Red projects on +U; green and blue
# land at +120° and +240°, matching HSV hue at the primaries.
_U = torch.tensor([2.0, -1.0, -1.0]) / math.sqrt(6.0)
_V = torch.tensor([0.0, 1.0, -1.0]) / math.sqrt(2.0)
#: Probe colours: the paper's fixed HSV saturation/value; opponent circle inside the RGB cube.
HSV_PROBE_S, HSV_PROBE_V = 1.0, 0.8
OPP_PROBE_GREY, OPP_PROBE_CHROMA = 0.5, 0.3


# ----------------------------------------------------------------------------------------------
# Colour models (torch, differentiable in hue; hue in radians)
# ----------------------------------------------------------------------------------------------

def hsv_to_rgb(hue: Tensor, saturation: Tensor | float, value: Tensor | float) -> Tensor:
    """HSV → RGB (N, 3), hue in radians. Piecewise linear in hue with kinks every 60°."""
    sextant = torch.rad2deg(hue) / 60.0
    channels = []
    for offset in (5.0, 3.0, 1.0):  # R, G, B
        k = torch.remainder(offset + sextant, 6.0)
        channels.append(value - value * saturation * torch.clamp(torch.minimum(k, 4.0 - k), 0, 1))
    return torch.stack(channels, dim=-1)


def opponent_to_rgb(hue: Tensor, chroma: Tensor | float, grey: Tensor | float) -> Tensor:
    """A point at angle ``hue`` and radius ``chroma`` in the opponent plane, shifted along the
    grey axis to mean intensity ``grey``: RGB = grey + chroma (cos H · u + sin H · v)."""
    u, v = _U.to(hue.dtype), _V.to(hue.dtype)
    chroma = torch.as_tensor(chroma, dtype=hue.dtype)
    grey = torch.as_tensor(grey, dtype=hue.dtype)
    if chroma.ndim:
        chroma = chroma[:, None]
    if grey.ndim:
        grey = grey[:, None]
    return grey + chroma * (torch.cos(hue)[:, None] * u + torch.sin(hue)[:, None] * v)


def probe_stimulus(space: str) -> Callable[[Tensor], Tensor]:
    """The probe circle of a colour space: hue (radians, 1-D) → RGB batch."""
    if space == "hsv":
        return lambda h: hsv_to_rgb(h, HSV_PROBE_S, HSV_PROBE_V)
    if space == "opponent":
        return lambda h: opponent_to_rgb(h, OPP_PROBE_CHROMA, OPP_PROBE_GREY)
    raise ValueError(f"unknown hue space {space!r}; expected one of {HUE_SPACES}")


def hue_grid(n_hues: int, dtype: torch.dtype = torch.float32) -> Tensor:
    """n hues on [0, 2π) offset by half a step, so no probe sits on an HSV sextant boundary."""
    return (torch.arange(n_hues, dtype=dtype) + 0.5) * (2 * math.pi / n_hues)


# ----------------------------------------------------------------------------------------------
# Training distribution
# ----------------------------------------------------------------------------------------------

def hue_density(hue: np.ndarray, rotation_deg: float = 0.0) -> np.ndarray:
    """Density (per radian) of the training hues: the von Mises mixture rotated by φ."""
    hue = np.asarray(hue, dtype=np.float64)
    total = np.zeros_like(hue)
    for centre, kappa, weight in HUE_MIXTURE:
        mu = math.radians(centre + rotation_deg)
        total += weight * np.exp(kappa * (np.cos(hue - mu) - 1.0)) / (2 * math.pi * i0e(kappa))
    return total


def sample_pixels(sampler: InverseCDFSampler, n: int, space: str) -> tuple[Tensor, Tensor]:
    """n pixel colours (N, 3) and their hues (radians). Saturation-like and brightness-like
    coordinates are drawn uniformly over ranges that keep every colour inside the RGB cube
    (HSV: S ∈ [0.2, 1], V ∈ [0.5, 1], like the notes' ImageNet filter S ≥ 0.1, V ≥ 0.5)."""
    hue = sampler(n)
    if space == "hsv":
        rgb = hsv_to_rgb(hue, 0.2 + 0.8 * torch.rand(n), 0.5 + 0.5 * torch.rand(n))
    elif space == "opponent":
        # Max |u| component is 2/√6 ≈ 0.82, so chroma ≤ 0.35 at grey ∈ [0.3, 0.7] stays in-cube.
        rgb = opponent_to_rgb(hue, 0.05 + 0.3 * torch.rand(n), 0.3 + 0.4 * torch.rand(n))
    else:
        raise ValueError(f"unknown hue space {space!r}; expected one of {HUE_SPACES}")
    return rgb, hue


# ----------------------------------------------------------------------------------------------
# Model
# ----------------------------------------------------------------------------------------------

class ColourNamer(nn.Module):
    """Per-pixel MLP: centred RGB → hidden (ReLU) → hidden (ReLU) → colour-name logits."""

    def __init__(self, hidden: int, n_names: int):
        super().__init__()
        self.fc1 = nn.Linear(3, hidden)
        self.fc2 = nn.Linear(hidden, hidden)
        self.out = nn.Linear(hidden, n_names)

    def layers(self) -> list[tuple[str, Callable[[Tensor], Tensor]]]:
        """The network as named stages, in order (for the Fisher walk)."""
        return [("fc1", lambda x: self.fc1(x - 0.5)), ("relu1", torch.relu),
                ("fc2", self.fc2), ("relu2", torch.relu), ("logits", self.out)]

    def forward(self, rgb: Tensor) -> Tensor:
        for _, stage in self.layers():
            rgb = stage(rgb)
        return rgb


def hue_sensitivity(net: ColourNamer, space: str, hues: Tensor) -> np.ndarray:
    """J(H) of every stage, shape (len(LAYER_NAMES), n_hues)."""
    with torch.no_grad():
        fisher = fisher_information(net.layers(), probe_stimulus(space), hues)
    return np.stack([fisher[name].double().numpy() for name in LAYER_NAMES])


def name_of(hue: Tensor, n_names: int) -> Tensor:
    """Colour-name label: the hue bin (bins of 360°/n starting at 0°)."""
    return (hue / (2 * math.pi) * n_names).long().clamp(0, n_names - 1)


# ----------------------------------------------------------------------------------------------
# Training (one sweep point)
# ----------------------------------------------------------------------------------------------

def _setting(params: dict, key: str):
    return params.get(key, QUICK[key])


def train(params: dict, ckpt) -> tuple[dict, dict[str, np.ndarray]]:
    """Train the colour namer on hues rotated by ``hue_rotation`` degrees; log J(H) per layer
    on both probe circles at ``n_snapshots`` + 1 evenly spaced steps (step 0 = init)."""
    rotation = float(params.get("hue_rotation", 0.0))
    space = str(_setting(params, "hue_space"))
    if space not in HUE_SPACES:
        raise ValueError(f"unknown hue space {space!r}; expected one of {HUE_SPACES}")
    steps, batch = int(_setting(params, "steps")), int(_setting(params, "batch_size"))
    n_names, n_snapshots = int(_setting(params, "n_names")), int(_setting(params, "n_snapshots"))
    snapshot_at = set(np.linspace(0, steps, n_snapshots + 1).round().astype(int).tolist())

    net = ColourNamer(int(_setting(params, "hidden")), n_names)
    optimiser = torch.optim.Adam(net.parameters(), lr=float(_setting(params, "lr")))
    sampler = InverseCDFSampler(lambda h: hue_density(h, rotation), 0.0, 2 * math.pi)
    hues = hue_grid(int(_setting(params, "n_hues")))

    def snapshot() -> dict[str, Tensor]:
        return {s: torch.as_tensor(hue_sensitivity(net, s, hues)) for s in HUE_SPACES}

    state = ckpt.restore()  # after building the net: restoring resets the RNG
    if state is None:
        start, losses, snaps, snap_steps = 0, [], [snapshot()], [0]
    else:
        net.load_state_dict(state["model"])
        optimiser.load_state_dict(state["optimiser"])
        start, losses = state["step"], list(state["losses"])
        snaps, snap_steps = state["snapshots"], list(state["snapshot_steps"])

    for step in range(start, steps):
        rgb, hue = sample_pixels(sampler, batch, space)
        loss = nn.functional.cross_entropy(net(rgb), name_of(hue, n_names))
        optimiser.zero_grad(set_to_none=True)
        loss.backward()
        optimiser.step()
        losses.append(float(loss.detach()))
        if step + 1 in snapshot_at:
            snaps.append(snapshot())
            snap_steps.append(step + 1)
        ckpt.tick(step + 1, steps, lambda: {
            "model": net.state_dict(), "optimiser": optimiser.state_dict(), "step": step + 1,
            "losses": list(losses), "snapshots": list(snaps), "snapshot_steps": list(snap_steps)})

    hue_deg = np.rad2deg(hues.double().numpy())
    arrays = {
        "hue_deg": hue_deg,
        "snapshot_steps": np.asarray(snap_steps),
        "layers": np.array(LAYER_NAMES),
        "density": hue_density(hues.double().numpy(), rotation),
        "loss": np.asarray(losses),
        **{f"J_{s}": np.stack([snap[s].numpy() for snap in snaps]) for s in HUE_SPACES},
    }
    layer = LAYER_NAMES.index(CLAIM_LAYER)
    trained, init = arrays[f"J_{space}"][-1, layer], arrays[f"J_{space}"][0, layer]
    metrics = {
        "hue_space": space,
        "spearman_gain_density": float(spearmanr(trained / init, arrays["density"]).statistic),
        "spearman_trained_density": float(spearmanr(trained, arrays["density"]).statistic),
        "peak_hue_deg": float(hue_deg[np.argmax(trained)]),
        "final_loss": float(np.mean(losses[-20:])),
    }
    return metrics, arrays


# ----------------------------------------------------------------------------------------------
# Aggregation: claims and figure data
# ----------------------------------------------------------------------------------------------

def circular_xcorr(reference: np.ndarray, shifted: np.ndarray) -> np.ndarray:
    """c[k] = Σ_i z_ref[i − k] · z_shift[i] of the z-scored curves, k = 0 … n−1 grid steps;
    its argmax is the shift that carries ``reference`` onto ``shifted``."""
    a = (reference - reference.mean()) / reference.std()
    b = (shifted - shifted.mean()) / shifted.std()
    return np.real(np.fft.ifft(np.conj(np.fft.fft(a)) * np.fft.fft(b))) / len(a)


def xcorr_lag_deg(reference: np.ndarray, shifted: np.ndarray) -> float:
    """Shift (degrees, in [0, 360)) maximising the circular cross-correlation, refined below the
    grid step by a parabola through the peak and its two neighbours."""
    c = circular_xcorr(reference, shifted)
    n = len(c)
    k = int(np.argmax(c))
    left, mid, right = c[(k - 1) % n], c[k], c[(k + 1) % n]
    curvature = left - 2 * mid + right
    offset = 0.5 * (left - right) / curvature if curvature < 0 else 0.0
    return float(((k + offset) * 360.0 / n) % 360.0)


def _runs(runs: Sequence[Run], rotation: float) -> list[Run]:
    return sorted((r for r in runs if float(r.params.get("hue_rotation", 0.0)) == rotation),
                  key=lambda r: r.params.get("seed", 0))


def _claim_curves(runs: Sequence[Run], snapshot: int = -1) -> np.ndarray:
    """(runs, hues) claim-layer J in each run's own training space, normalised to mean 1."""
    layer = LAYER_NAMES.index(CLAIM_LAYER)
    curves = [r.arrays[f"J_{r.metrics['hue_space']}"][snapshot, layer] for r in runs]
    return np.stack([c / c.mean() for c in curves])


def rotation_lags(runs: Sequence[Run], rotation: float = 90.0) -> tuple[float, list[float]]:
    """Lag between seed-averaged J(H) of the rotated and unrotated runs, and per-seed lags."""
    base, rotated = _runs(runs, 0.0), _runs(runs, rotation)
    if not base or not rotated:
        return math.nan, []
    pooled = xcorr_lag_deg(_claim_curves(base).mean(0), _claim_curves(rotated).mean(0))
    per_seed = [xcorr_lag_deg(_claim_curves([a])[0], _claim_curves([b])[0])
                for a, b in zip(base, rotated) if a.params["seed"] == b.params["seed"]]
    return pooled, per_seed


def shift_test(gain: np.ndarray, density: np.ndarray) -> tuple[float, float]:
    """Spearman(gain, density) and its circular-shift p-value: the fraction of the n circular
    shifts of the density (the unshifted one included) whose Spearman is at least the observed.
    Shifting keeps both curves' smoothness, so neighbouring hues are not counted as independent."""
    null = np.array([spearmanr(gain, np.roll(density, k)).statistic for k in range(len(density))])
    if not np.isfinite(null[0]):
        return math.nan, math.nan
    return float(null[0]), float(np.mean(null >= null[0]))


#: Learning guard: a net "learned" when its loss fell to at most this fraction of the first step's.
MAX_LOSS_RATIO = 0.5


def learned(run: Run, value: float) -> float:
    """``value`` if the run's loss fell to ≤ MAX_LOSS_RATIO of its first value, else NaN."""
    loss = np.asarray(run.arrays["loss"])
    return value if len(loss) and loss[-1] <= MAX_LOSS_RATIO * loss[0] else math.nan


def claims(runs: Sequence[Run]) -> list[Claim]:
    """T11 (rotating the training hues by 90° shifts J(H) by 90° ± 5°, every seed) and T12
    (the gain J_trained/J_init follows the hue density, circular-shift test in every run)."""
    base, rotated = _runs(runs, 0.0), _runs(runs, 90.0)
    lags = {a.params["seed"]: learned(a, learned(b, xcorr_lag_deg(_claim_curves([a])[0],
                                                                  _claim_curves([b])[0])))
            for a in base for b in rotated if a.params["seed"] == b.params["seed"]}
    pooled = rotation_lags(runs, 90.0)[0]
    layer = LAYER_NAMES.index(CLAIM_LAYER)
    labelled = {f"rot{float(r.params.get('hue_rotation', 0)):g}/s{r.params['seed']}": r
                for r in runs}
    tests = {}
    for key, r in labelled.items():
        curves = r.arrays[f"J_{r.metrics['hue_space']}"][:, layer]
        tests[key] = shift_test(curves[-1] / curves[0], r.arrays["density"])
    spaces = sorted({r.metrics["hue_space"] for r in runs})
    guard = f"NaN for a run whose loss did not fall to <= {MAX_LOSS_RATIO:g} x its first value"
    return [
        per_seed("T11", f"Training on hues rotated by 90° shifts J(H) of layer {CLAIM_LAYER} by "
                 "90° (circular cross-correlation lag, per seed; paper Fig. 3 SI, hue-rotated "
                 "training)", lags, 85.0, 95.0, source="notes §1.1 T11: lag 90° ± 5°",
                 note=f"{guard}; lag of the seed-averaged curves {pooled:.1f}; hue space "
                      f"{'/'.join(spaces)}"),
        per_seed("T12", "The gain J_trained/J_init follows the training hue density: circular-"
                 "shift p-value of Spearman(gain, density), per run (paper Fig. 3c)",
                 {k: learned(r, tests[k][1]) for k, r in labelled.items()}, -math.inf, 0.05, unit="run",
                 source="notes §1.1 T12: Spearman > 0 (soft, got 0.41); the sign is tested "
                        "against the n circular shifts of the density at the conventional "
                        "5 % level (derivation: shifts keep the curves' autocorrelation)",
                 note="Spearman per run " + ", ".join(f"{k} {v[0]:.2f}" for k, v in tests.items())
                      + f"; {guard}"),
    ]


def fig3_data(runs: Sequence[Run]) -> dict[str, np.ndarray]:
    """Paper Fig. 3: hue densities, J(H) at init and trained on both probes, rotation lag."""
    base, rotated = _runs(runs, 0.0), _runs(runs, 90.0)
    layer = LAYER_NAMES.index(CLAIM_LAYER)
    data: dict[str, np.ndarray] = {}
    for label, group in (("rot0", base), ("rot90", rotated)):
        if not group:
            continue
        data[f"{label}/density"] = group[0].arrays["density"]
        for space in HUE_SPACES:
            stack = np.stack([r.arrays[f"J_{space}"][:, layer] for r in group])  # (seeds, snaps, H)
            stack = stack / stack.mean(axis=-1, keepdims=True)
            data[f"{label}/J_{space}_init"] = stack[:, 0].mean(0)
            data[f"{label}/J_{space}_trained"] = stack[:, -1].mean(0)
            data[f"{label}/J_{space}_trained_seeds"] = stack[:, -1]
    if base:
        data["hue_deg"] = base[0].arrays["hue_deg"]
        data["hue_space"] = np.array(base[0].metrics["hue_space"])
        data["snapshot_steps"] = base[0].arrays["snapshot_steps"]
    if base and rotated:
        data["xcorr"] = circular_xcorr(_claim_curves(base).mean(0), _claim_curves(rotated).mean(0))
        data["lag_deg"] = np.array(rotation_lags(runs, 90.0)[0])
    return data
