"""Loading checkpoints into presets, torchvision's cache, and the ``weights`` command."""

from __future__ import annotations

import pytest
import torch

from convnet_studio.cli import main
from convnet_studio.graph.project_file import load_project
from convnet_studio.presets import WeightsError
from convnet_studio.presets.weights import (
    load_checkpoint_into,
    preset_module,
    read_state_dict,
    torchvision_cached_weights,
    torchvision_model,
)


@pytest.fixture(scope="module")
def resnet18_state() -> dict[str, torch.Tensor]:
    """torchvision's ResNet-18 state_dict (random weights), as a checkpoint would hold it."""
    return torchvision_model("resnet18").state_dict()


@pytest.fixture
def hub(tmp_path, monkeypatch):
    """An empty torch hub cache in a temporary folder."""
    monkeypatch.setattr(torch.hub, "get_dir", lambda: str(tmp_path / "hub"))
    folder = tmp_path / "hub" / "checkpoints"
    folder.mkdir(parents=True)
    return folder


def _equal(module, state) -> bool:
    ours = module.state_dict()
    return all(torch.equal(ours[k], v) for k, v in state.items())


@pytest.mark.parametrize("wrap", ["raw", "state_dict", "model", "module."])
def test_checkpoint_formats_load(wrap, resnet18_state, tmp_path) -> None:
    state = dict(resnet18_state)
    if wrap == "module.":
        state = {"module." + k: v for k, v in state.items()}
    data = state if wrap in ("raw", "module.") else {wrap: state, "epoch": 3}
    torch.save(data, tmp_path / "ckpt.pth")
    module = preset_module("resnet18", init=False)
    report = load_checkpoint_into(module, tmp_path / "ckpt.pth")
    assert len(report.loaded) == len(resnet18_state) and report.parameters == 11_689_512
    assert _equal(module, resnet18_state)


def test_mismatches_are_named_and_change_nothing(resnet18_state) -> None:
    module = preset_module("resnet18", num_classes=10, init=False)
    before = {k: v.clone() for k, v in module.state_dict().items()}
    state = {k: v for k, v in resnet18_state.items() if k != "bn1.running_mean"}
    state["extra.weight"] = torch.zeros(1)
    with pytest.raises(WeightsError) as info:
        load_checkpoint_into(module, state)
    message = str(info.value)
    assert "bn1.running_mean" in message and "extra.weight" in message
    assert "fc.weight: 1000 x 512 in the file, 10 x 512 in the model" in message
    assert all(torch.equal(before[k], v) for k, v in module.state_dict().items())


def test_ignore_keeps_a_new_classifier(resnet18_state) -> None:
    module = preset_module("resnet18", num_classes=10, init=False)
    with pytest.raises(WeightsError, match="another class count.*ignore fc"):
        load_checkpoint_into(module, resnet18_state)
    report = load_checkpoint_into(module, resnet18_state, ignore=["fc"])
    assert report.left_initialised == ["fc.weight", "fc.bias"]
    assert report.skipped == ["fc.weight", "fc.bias"]
    assert _equal(module, {k: v for k, v in resnet18_state.items() if not k.startswith("fc.")})


def test_unreadable_files_are_user_errors(tmp_path) -> None:
    module = preset_module("resnet20_cifar")
    with pytest.raises(WeightsError, match="no such file"):
        load_checkpoint_into(module, tmp_path / "missing.pth")
    (tmp_path / "junk.pth").write_bytes(b"not a checkpoint")
    with pytest.raises(WeightsError, match="junk.pth"):
        read_state_dict(tmp_path / "junk.pth")
    torch.save({"lr": 0.1}, tmp_path / "nostate.pth")
    with pytest.raises(WeightsError, match="not tensors"):
        read_state_dict(tmp_path / "nostate.pth")


def test_cached_weights_are_found_never_downloaded(hub) -> None:
    assert torchvision_cached_weights("resnet50") is None
    assert torchvision_cached_weights("plain18") is None  # torchvision has no plain nets
    (hub / "resnet50-0676ba61.pth").write_bytes(b"")  # IMAGENET1K_V1
    assert torchvision_cached_weights("resnet50") == hub / "resnet50-0676ba61.pth"
    (hub / "resnet50-11ad3fa6.pth").write_bytes(b"")  # IMAGENET1K_V2, the DEFAULT, wins
    assert torchvision_cached_weights("resnet50") == hub / "resnet50-11ad3fa6.pth"


def test_weights_command_writes_a_verified_state_dict(resnet18_state, tmp_path, capsys) -> None:
    torch.save(resnet18_state, tmp_path / "r18.pth")
    out, project = tmp_path / "r18.pt", tmp_path / "r18.cnsproj"
    code = main(
        [
            "weights",
            "resnet18",
            str(tmp_path / "r18.pth"),
            "-o",
            str(out),
            "--project",
            str(project),
        ]
    )
    assert code == 0
    text = capsys.readouterr().out
    assert "loaded 122 tensors (11,689,512 parameters)" in text and "strict=True" in text
    assert set(torch.load(out, weights_only=True)) == set(resnet18_state)
    assert load_project(project).meta["weights"] == "r18.pt"


def test_weights_command_from_cache(resnet18_state, hub, tmp_path, capsys) -> None:
    assert main(["weights", "resnet18", "--from-cache", "-o", str(tmp_path / "a.pt")]) == 2
    assert "not in the torch hub cache" in capsys.readouterr().err
    torch.save(resnet18_state, hub / "resnet18-f37072fd.pth")
    assert main(["weights", "resnet18", "--from-cache", "-o", str(tmp_path / "a.pt")]) == 0
    assert "resnet18-f37072fd.pth" in capsys.readouterr().out


def test_weights_command_errors_are_one_sentence(tmp_path, capsys) -> None:
    assert main(["weights", "resnet18", "-o", str(tmp_path / "a.pt")]) == 2
    assert "either a CHECKPOINT file or --from-cache" in capsys.readouterr().err
    assert main(["weights", "plain18", "--from-cache", "-o", str(tmp_path / "a.pt")]) == 2
    assert "no torchvision weights" in capsys.readouterr().err
    assert (
        main(["weights", "resnet18", str(tmp_path / "none.pth"), "-o", str(tmp_path / "a.pt")]) == 2
    )
    assert "no such file" in capsys.readouterr().err


def test_torchvision_googlenet_file_loads_without_its_aux_heads(tmp_path, capsys) -> None:
    from torchvision.models import googlenet

    # torchvision's pretrained file holds the auxiliary classifiers, which the preset leaves out.
    state = googlenet(weights=None, aux_logits=True, init_weights=False).state_dict()
    torch.save(state, tmp_path / "googlenet-1378be20.pth")
    assert (
        main(
            [
                "weights",
                "googlenet",
                str(tmp_path / "googlenet-1378be20.pth"),
                "-o",
                str(tmp_path / "g.pt"),
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "loaded 344 tensors (6,624,904 parameters); skipped 20 from the file (aux1." in out
    assert "mean 0.5 and std 0.5" in out


@pytest.mark.slow
def test_torchvision_inception_v3_file_loads_without_its_aux_logits(tmp_path, capsys) -> None:
    from torchvision.models import inception_v3

    # torchvision's pretrained file holds AuxLogits (training-only), which the preset leaves out.
    state = inception_v3(weights=None, aux_logits=True, init_weights=False).state_dict()
    path = tmp_path / "inception_v3_google-0cc3c7bd.pth"
    torch.save(state, path)
    assert main(["weights", "inception_v3", str(path), "-o", str(tmp_path / "i.pt")]) == 0
    out = capsys.readouterr().out
    assert "loaded 566 tensors (23,834,568 parameters); skipped 14 from the file (AuxLogits." in out
    assert "transform_input=True" in out and "mean 0.5 and std 0.5" in out
