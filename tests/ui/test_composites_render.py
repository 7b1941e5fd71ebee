"""Expanding and collapsing composites on the canvas, and drawing graphs to files."""

from __future__ import annotations

import pytest

from convnet_studio.cli import main as cli_main


@pytest.fixture
def resnet_window(make_window):
    from convnet_studio.presets import get_preset

    return make_window(get_preset("resnet20_cifar"))


def test_expand_and_collapse_from_the_canvas(resnet_window):
    window = resnet_window
    graph, doc = window.document.graph, window.document
    before = graph.to_dict()
    inner = window.editor.expand("layer2.0")
    assert "layer2.0.conv1" in inner and "layer2.0" not in graph
    assert all(name in window.scene.nodes for name in inner)
    doc.flush()
    assert doc.analysis().ok
    assert window.editor.collapse("layer2.0.conv1") == "layer2.0"
    assert "layer2.0" in window.scene.nodes and "layer2.0.conv1" not in window.scene.nodes
    doc.undo_stack.undo()
    doc.undo_stack.undo()
    assert graph.to_dict() == before
    assert set(window.scene.nodes) == set(graph.nodes)


def test_expanding_a_primitive_is_refused_politely(resnet_window):
    messages: list[str] = []
    resnet_window.document.message.connect(messages.append)
    assert resnet_window.editor.expand("conv1") == []
    assert messages


@pytest.mark.parametrize("suffix", ["png", "svg"])
def test_render_command_writes_an_image(tmp_path, suffix, qapp):
    out = tmp_path / f"graph.{suffix}"
    assert cli_main(["render", "resnet20_cifar", "-o", str(out), "--layout", "TB"]) == 0
    data = out.read_bytes()
    assert data.startswith(b"\x89PNG") if suffix == "png" else b"<svg" in data[:2000]


def test_render_refuses_other_formats(tmp_path, qapp, capsys):
    assert cli_main(["render", "resnet20_cifar", "-o", str(tmp_path / "g.jpg")]) == 2
    assert ".png or .svg" in capsys.readouterr().err


def test_export_image_from_the_window(resnet_window, tmp_path):
    from PySide6.QtGui import QImage

    out = tmp_path / "shot.png"
    resnet_window.files._ask_save_path = lambda *a: str(out)
    assert resnet_window.files.export_image("png")
    image = QImage(str(out))
    assert image.width() > 500 and image.height() > 50


def test_export_python_code_from_the_window(resnet_window, tmp_path):
    out = tmp_path / "net.py"
    resnet_window.files._ask_save_path = lambda *a: str(out)
    assert resnet_window.files.export_model("python"), resnet_window.errors
    source = out.read_text()
    assert "class " in source and "def build_model" in source


def test_inspector_buttons_expand_and_collapse(resnet_window):
    window = resnet_window
    doc, inspector = window.document, window.inspector
    doc.set_selection(["layer1.0"])
    assert not inspector.expand_button.isHidden() and inspector.collapse_button.isHidden()
    inspector.expand_button.click()
    assert "layer1.0.conv1" in doc.graph
    doc.set_selection(["layer1.0.conv1"])
    assert not inspector.collapse_button.isHidden()
    inspector.collapse_button.click()
    assert "layer1.0" in doc.graph and "layer1.0.conv1" not in doc.graph


def test_context_menu_offers_what_applies(resnet_window):
    from PySide6.QtWidgets import QMenu

    from convnet_studio.ui.canvas.context_menu import _node_actions

    menu = QMenu()
    _node_actions(resnet_window.scene, menu, "layer2.0")
    texts = [a.text() for a in menu.actions()]
    assert "Expand BasicBlock into its layers" in texts and "Fold layer2" in texts
    assert "Delete" in texts and not any("Collapse" in t for t in texts)
    expand = next(a for a in menu.actions() if a.text().startswith("Expand"))
    expand.trigger()
    assert "layer2.0.conv1" in resnet_window.document.graph
