"""The optional pretrained-ImageNet stage. torchvision is optional (it does not install beside
the pinned CPU torch), so the stage's logic is tested on a small ResNet-shaped network built
from plain torch modules, and the torchvision-specific test skips with a message without it."""

import numpy as np
import pytest
import torch
from torch import nn

from neurosweep.harness import Checkpoint
from neurosweep.studies.psychophysics import pretrained


class TinyResNetShape(nn.Module):
    """Top-level children named like torchvision's ResNet: conv1 ... layer4, avgpool, fc."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 4, 5, stride=2, padding=2)
        self.bn1 = nn.BatchNorm2d(4)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(2)
        self.layer1 = nn.Sequential(nn.Conv2d(4, 4, 3, padding=1), nn.ReLU())
        self.layer2 = nn.Sequential(nn.Conv2d(4, 8, 3, stride=2, padding=1), nn.ReLU())
        self.layer3 = nn.Sequential(nn.Conv2d(8, 8, 3, padding=1), nn.ReLU())
        self.layer4 = nn.Sequential(nn.Conv2d(8, 8, 3, padding=1), nn.ReLU())
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(8, 10)


PROBE = dict(n_angles=8, n_phases=2, size=32, px_per_deg=10.0, cycles_per_deg=1.0,
             sigma_deg=1.0, chunk=4)


def test_layers_follow_resnet_children_with_a_flatten_before_fc():
    names = [name for name, _ in pretrained.top_level_layers(TinyResNetShape())]
    assert names == ["conv1", "bn1", "relu", "maxpool", "layer1", "layer2", "layer3", "layer4",
                     "avgpool", "flatten", "fc"]


def test_shuffling_keeps_each_tensors_values_but_moves_them():
    torch.manual_seed(0)
    model = TinyResNetShape()
    before = [p.detach().clone() for p in model.parameters()]
    pretrained.shuffle_weights(model, torch.Generator().manual_seed(1))
    after = list(model.parameters())
    weight_before, weight_after = before[0], after[0].detach()
    assert torch.equal(weight_before.flatten().sort().values, weight_after.flatten().sort().values)
    assert not torch.equal(weight_before, weight_after)


def test_stage_measures_every_layer_and_state_from_a_weights_file(tmp_path, monkeypatch):
    torch.manual_seed(0)
    weights = tmp_path / "tiny.pth"
    torch.save(TinyResNetShape().state_dict(), weights)
    monkeypatch.setattr(pretrained, "build_network", lambda arch: TinyResNetShape())
    params = {"arch": "resnet18", "seed": 0, "weights": {"resnet18": str(weights)},
              "window_deg": 10.0, **PROBE}
    metrics, arrays = pretrained.train(params, Checkpoint(None))
    for state in pretrained.STATES:
        for layer in ["conv1", "bn1", "relu", "layer4", "fc"]:
            curve = arrays[f"{state}/{layer}"]
            assert curve.shape == (8,) and np.all(np.isfinite(curve)) and np.all(curve >= 0)
    # pre-activation values are captured before the in-place ReLU (original bug W5)
    assert not np.allclose(arrays["trained/bn1"], arrays["trained/relu"])
    assert np.isfinite(metrics["card_obl/trained/fc"])
    # the depth order survives the npz round trip (keys come back sorted) for claims and figure
    assert list(arrays["layers"])[-1] == "fc" and list(arrays["layers"])[0] == "conv1"


def test_missing_weights_file_names_the_setting(tmp_path, monkeypatch):
    monkeypatch.setattr(pretrained, "build_network", lambda arch: TinyResNetShape())
    params = {"arch": "resnet18", "seed": 0, "weights": {"resnet18": str(tmp_path / "no.pth")},
              "window_deg": 10.0, **PROBE}
    with pytest.raises(FileNotFoundError, match="settings.weights.resnet18"):
        pretrained.train(params, Checkpoint(None))


def test_real_torchvision_resnet18_layers():
    pytest.importorskip("torchvision", reason="torchvision is an optional extra that does not "
                        "install beside the pinned CPU torch; the pretrained stage is off")
    names = [n for n, _ in pretrained.top_level_layers(pretrained.build_network("resnet18"))]
    assert names[:4] == ["conv1", "bn1", "relu", "maxpool"] and names[-2:] == ["flatten", "fc"]
