"""``convnet-studio export``: every format, and one clear line plus a non-zero exit for every
problem, never a partly written file."""

from __future__ import annotations

import pytest
import torch

from convnet_studio.cli import main
from convnet_studio.graph import Graph
from convnet_studio.graph.project_file import save_project


def export(*args: str) -> int:
    return main(["export", *args])


def one_error_line(capsys) -> str:
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0, err
    assert err.startswith("convnet-studio: error: ")
    return err


@pytest.mark.filterwarnings("ignore::FutureWarning")
@pytest.mark.parametrize(
    "fmt, name",
    [
        ("python", "net.py"),
        ("onnx", "net.onnx"),
        ("torchscript", "net.ts"),
        ("state_dict", "net.pt"),
    ],
)
def test_each_format(fmt: str, name: str, tmp_path, capsys) -> None:
    out = tmp_path / name
    assert export("plain20_cifar", "--format", fmt, "-o", str(out), "--num-classes", "4") == 0
    assert capsys.readouterr().out.split() == [str(out)]
    assert [p.name for p in tmp_path.iterdir()] == [name]
    if fmt == "python":
        assert "def build_model(num_classes: int = 4)" in out.read_text()


def test_weights_go_beside_the_code(tmp_path, capsys) -> None:
    weights = tmp_path / "w.pt"
    assert export("plain20_cifar", "--format", "state_dict", "-o", str(weights)) == 0
    assert export("plain20_cifar", "-o", str(tmp_path / "net.py"), "--weights", str(weights)) == 0
    saved = torch.load(tmp_path / "net.pt", weights_only=True)
    assert all(torch.equal(saved[k], v) for k, v in torch.load(weights, weights_only=True).items())


def test_invalid_graph_is_one_line_and_writes_nothing(tmp_path, capsys) -> None:
    g = Graph("broken")
    x = g.add("Input", channels=3, height=8, width=8)
    g.add("Linear", inputs=x, out_features=3)  # needs a Flatten, and there is no Output
    save_project(g, tmp_path / "broken.cnsproj")
    assert export(str(tmp_path / "broken.cnsproj"), "-o", str(tmp_path / "net.py")) != 0
    assert "is not a valid network" in one_error_line(capsys)
    assert not (tmp_path / "net.py").exists()


def test_unwritable_path(tmp_path, capsys) -> None:
    assert export("plain20_cifar", "-o", str(tmp_path / "missing" / "net.py")) != 0
    assert "cannot write" in one_error_line(capsys)
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    if os_can_write(locked):
        pytest.skip("running as a user who can write anywhere (root)")
    assert export("plain20_cifar", "-o", str(locked / "net.py")) != 0
    one_error_line(capsys)
    assert list(locked.iterdir()) == []


def os_can_write(path) -> bool:
    try:
        (path / ".probe").write_text("")
    except OSError:
        return False
    (path / ".probe").unlink()
    return True


def test_bad_checkpoint(tmp_path, capsys) -> None:
    junk = tmp_path / "junk.pt"
    junk.write_bytes(b"not a checkpoint")
    assert export("plain20_cifar", "-o", str(tmp_path / "net.py"), "--weights", str(junk)) != 0
    assert str(junk) in one_error_line(capsys)
    other = tmp_path / "other.pt"
    torch.save({"conv1.weight": torch.zeros(1)}, other)
    assert export("plain20_cifar", "-o", str(tmp_path / "net.py"), "--weights", str(other)) != 0
    assert "does not fit" in one_error_line(capsys)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["junk.pt", "other.pt"]


def test_failure_half_way_leaves_no_partial_file(tmp_path, capsys, monkeypatch) -> None:
    def write_some_then_fail(obj, f, *args, **kwargs):
        with open(f, "wb") as handle:
            handle.write(b"half a checkpoint")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(torch, "save", write_some_then_fail)
    out = tmp_path / "net.pt"
    assert export("plain20_cifar", "--format", "state_dict", "-o", str(out)) != 0
    assert "No space left" in one_error_line(capsys)
    assert list(tmp_path.iterdir()) == []


def test_bad_arguments(tmp_path, capsys) -> None:
    assert export("plain20_cifar", "--input", "3,32", "-o", str(tmp_path / "n.py")) != 0
    one_error_line(capsys)
    assert export("no_such_net", "-o", str(tmp_path / "n.py")) != 0
    one_error_line(capsys)


def test_generate_python_refuses_an_invalid_graph() -> None:
    from convnet_studio.codegen import InvalidGraphError, generate_python

    g = Graph("broken")
    g.add("Input", channels=3, height=8, width=8)
    with pytest.raises(InvalidGraphError, match="cannot be exported"):
        generate_python(g)
