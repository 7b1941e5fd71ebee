"""File > Import PyTorch model...: the dialog warns that files run, and imports replace the graph."""

from __future__ import annotations

import pytest

pytest.importorskip("torchvision")


def test_dialog_says_a_file_runs_as_python(window, qtbot):
    from PySide6.QtWidgets import QLabel

    from convnet_studio.ui.import_dialog import ImportDialog

    dialog = ImportDialog(window)
    qtbot.addWidget(dialog)
    texts = " ".join(label.text() for label in dialog.findChildren(QLabel))
    assert "run as Python code" in texts
    assert dialog.choice() == ("torchvision:resnet18", "3,224,224")
    assert "import_pytorch" in window.actions


def test_import_replaces_the_document_and_refusals_keep_it(window):
    from convnet_studio.ui.import_dialog import import_pytorch_model

    before = window.document.graph.to_dict()
    assert not import_pytorch_model(window, "torchvision:nonet", "3,32,32")
    assert "no classification model named 'nonet'" in window.asked[-1]
    assert window.document.graph.to_dict() == before
    assert import_pytorch_model(window, "torchvision:resnet18", "3,32,32")
    graph = window.document.graph
    assert graph.node("layer4.1").type == "BasicBlock" and graph.analyze().ok
