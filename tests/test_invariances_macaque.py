"""The macaque V1 model re-implemented in plain torch: its parts, its download against a local
server, and (when the published weights are present) the original stack's reference output."""

from __future__ import annotations

import hashlib
import json
import os
import socket
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from neurosweep.download import ChecksumError, DownloadError
from neurosweep.studies.invariances import macaque

from moore_server import MooreServer

FAST = {"retries": 2, "backoff": 0.0, "timeout": 5.0}
REFERENCE = Path(macaque.__file__).with_name("macaque_reference.json")
WEIGHTS_ENV = "NEUROSWEEP_MACAQUE_WEIGHTS"  # a directory holding the three published files
SESSIONS = {"3639406161189": 14, "3631807112901": 29}  # sessions of neurons A, C and B


def synthetic_state(seed: int) -> dict[str, torch.Tensor]:
    """A random state dict in the published files' layout (core, readouts, the regulariser's
    buffer), with non-trivial batch-norm statistics."""
    gen = torch.Generator().manual_seed(seed)
    state = {"core._input_weights_regularizer.laplace.filter": torch.ones(1, 1, 3, 3)}
    for key, value in macaque.Core().state_dict().items():
        if key.endswith("num_batches_tracked"):
            fresh = torch.tensor(7)
        elif key.endswith("running_var"):
            fresh = 0.5 + torch.rand(value.shape, generator=gen)
        else:
            fresh = 0.3 * torch.randn(value.shape, generator=gen)
        state[f"core.{key}"] = fresh
    for session, n in SESSIONS.items():
        state[f"readout.{session}.grid"] = torch.rand(1, n, 1, 2, generator=gen) * 2 - 1
        state[f"readout.{session}.features"] = torch.randn(1, 96, 1, n, generator=gen) / 10
        state[f"readout.{session}.bias"] = torch.randn(n, generator=gen)
    return state


def write_weights(directory: Path) -> dict[str, str]:
    """Three synthetic weight files under the published names; returns name -> SHA-256."""
    directory.mkdir(parents=True, exist_ok=True)
    digests = {}
    for seed, name in enumerate(macaque.FILES):
        torch.save(synthetic_state(seed), directory / name)
        digests[name] = hashlib.sha256((directory / name).read_bytes()).hexdigest()
    return digests


def test_core_keeps_the_map_size_after_the_first_layer_and_loads_the_published_layout():
    state = synthetic_state(0)
    model = macaque.CNN(state, "3639406161189", [11, 13])
    fmap = model.core(torch.randn(2, 1, 93, 93))
    assert fmap.shape == (2, 32, 70, 70)  # 93 - 24 + 1, then 'same' padding twice
    assert torch.equal(model.readout.grid[0, :, 0], state["readout.3639406161189.grid"][0, [11, 13], 0])
    assert model(torch.randn(2, 1, 93, 93)).shape == (2, 2)


def test_a_file_without_the_neurons_session_is_an_error_naming_the_key():
    state = synthetic_state(0)
    del state["readout.3631807112901.bias"]
    with pytest.raises(ValueError, match=r"readout\.3631807112901\.bias"):
        macaque.CNN(state, "3631807112901", [27], source="monkey_model3.pt")


def test_point_readout_at_a_corner_reads_that_pixel_of_each_pooling_level():
    readout = macaque.PointReadout(1, channels=2)
    fmap = torch.randn(3, 2, 9, 9)
    with torch.no_grad():
        readout.grid.fill_(-1.0)  # the top-left pixel centre (align_corners=True)
        readout.features.copy_(torch.arange(1.0, 7.0).view(1, 6, 1, 1))
        readout.bias.fill_(0.5)
    once = F.avg_pool2d(fmap, 3)
    twice = F.avg_pool2d(once, 3)
    levels = torch.cat([fmap[..., 0, 0], once[..., 0, 0], twice[..., 0, 0]], dim=1)  # (3, 6)
    expected = levels @ torch.arange(1.0, 7.0) + 0.5
    torch.testing.assert_close(readout(fmap)[:, 0], expected)


def test_squeeze_excite_gates_channels_by_their_means():
    block = macaque.SqueezeExcite(32, 16)
    x = torch.randn(2, 32, 5, 5)
    gate = torch.sigmoid(block.se[3](torch.relu(block.se[1](x.mean(dim=(-2, -1))))))
    torch.testing.assert_close(block(x), x * gate[..., None, None])


def test_standardize_clip_sets_mean_and_std_then_clips_to_the_data_range():
    gen = torch.Generator().manual_seed(0)
    mild = 0.1 * torch.randn(4, 93, 93, generator=gen)
    out = macaque.standardize_clip(mild)
    torch.testing.assert_close(out.mean(dim=(-2, -1)), torch.full((4,), macaque.IMAGE_MEAN))
    # a Gaussian image reaches +-3.5 std: +-0.53 around the mean, inside the clip range
    torch.testing.assert_close(out.std(dim=(-2, -1)), torch.full((4,), macaque.IMAGE_STD))
    spiky = torch.zeros(1, 93, 93)
    spiky[0, 0, 0] = 1.0  # one bright pixel: ~93 std above the mean, clipped
    assert macaque.standardize_clip(spiky).max() == pytest.approx(macaque.PIXEL_MAX)


def test_neuron_response_is_the_ensemble_mean_and_independent_of_the_batch():
    states = [synthetic_state(s) for s in range(3)]
    neuron = macaque.MacaqueNeuron(states, "B")
    images = neuron.prepare(torch.randn(2, 3, 93, 93))
    responses = neuron.response(images)
    assert responses.shape == (2, 3) and (responses > 0).all()  # ELU + 1
    flat = images.reshape(6, 1, 93, 93)
    by_hand = sum(macaque.CNN(s, "3631807112901", [27]).eval()(flat)[:, 0] for s in states) / 3
    torch.testing.assert_close(responses.reshape(6), by_hand)
    alone = neuron.response(images[1, 2])
    torch.testing.assert_close(alone, responses[1, 2])  # eval-mode batch norm
    assert neuron.r_max == 19.905 and not any(p.requires_grad for m in neuron.models for p in m.parameters())
    with pytest.raises(ValueError, match="choose one of A, B, C"):
        macaque.MacaqueNeuron(states, "D")


def test_download_from_local_server_then_only_verifies(tmp_path):
    digests = write_weights(tmp_path / "served")
    with MooreServer(tmp_path / "served") as server:
        paths = macaque.download_weights(tmp_path / "data", base_url=server.url, files=digests, **FAST)
    assert [p.name for p in paths] == list(macaque.FILES)
    for path in paths:
        assert path.read_bytes() == (tmp_path / "served" / path.name).read_bytes()
    # the server is gone: present files with the right checksum are verified, not fetched
    again = macaque.download_weights(tmp_path / "data", base_url="http://127.0.0.1:9/", files=digests, **FAST)
    assert again == paths
    neuron = macaque.MacaqueNeuron(macaque.load_ensemble(paths), "A")
    assert torch.isfinite(neuron.response(neuron.prepare(torch.randn(2, 93, 93)))).all()


def test_download_follows_the_mirror_variable(tmp_path, monkeypatch):
    digests = write_weights(tmp_path / "served")
    with MooreServer(tmp_path / "served") as server:
        monkeypatch.setenv(macaque.BASE_URL_ENV, server.url.rstrip("/"))
        macaque.download_weights(tmp_path / "data", files=digests, **FAST)
    assert sorted(p.name for p in (tmp_path / "data").iterdir()) == sorted(macaque.FILES)


def test_a_corrupted_file_fails_and_leaves_nothing(tmp_path):
    digests = write_weights(tmp_path / "served")
    with open(tmp_path / "served" / "monkey_model3.pt", "ab") as handle:
        handle.write(b"\0")
    with MooreServer(tmp_path / "served") as server:
        with pytest.raises(ChecksumError, match="monkey_model3.pt"):
            macaque.download_weights(tmp_path / "data", base_url=server.url, files=digests, **FAST)
    assert not (tmp_path / "data" / "monkey_model3.pt").exists()


def test_offline_error_says_where_to_place_the_file(tmp_path):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # nothing listens there once closed
    with pytest.raises(DownloadError, match=r"place it at .*monkey_model10\.pt \(its SHA-256 must be 549ac40c"):
        macaque.download_weights(tmp_path, base_url=f"http://127.0.0.1:{port}/", **FAST)


def test_missing_weights_name_the_rule_that_fetches_them(tmp_path):
    with pytest.raises(FileNotFoundError, match="invariances_macaque_weights"):
        macaque.load_ensemble([tmp_path / "monkey_model10.pt"])


def published_weights() -> list[Path] | None:
    folder = os.environ.get(WEIGHTS_ENV, "results/invariances/data/macaque")
    paths = [Path(folder) / name for name in macaque.FILES]
    return paths if all(p.exists() for p in paths) else None


@pytest.mark.skipif(published_weights() is None,
                    reason=f"published macaque weights absent (set {WEIGHTS_ENV} to their folder)")
def test_reimplementation_matches_the_original_stack_on_the_published_weights():
    paths = published_weights()
    for path in paths:
        assert hashlib.sha256(path.read_bytes()).hexdigest() == macaque.FILES[path.name], path
    reference = json.loads(REFERENCE.read_text())
    states = macaque.load_ensemble(paths)
    raw = torch.from_numpy(np.random.default_rng(0).standard_normal((3, 1, 93, 93)).astype(np.float32))
    for name in macaque.NEURONS:
        neuron = macaque.MacaqueNeuron(states, name)
        with torch.no_grad():
            got = neuron.response(raw[:, 0])
            prepared = neuron.response(neuron.prepare(raw[:, 0]))
        np.testing.assert_allclose(got, reference["raw"][name], rtol=0, atol=reference["tolerance"])
        np.testing.assert_allclose(prepared, reference["standardized"][name], rtol=0,
                                   atol=reference["tolerance"])
