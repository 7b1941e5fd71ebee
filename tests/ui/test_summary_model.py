"""The summary table updates in place: an edit that changes the row count inserts and removes
the rows between the unchanged head and tail, a parameter edit rewrites the rows its analysis
revisited, and the table (sorted too) then shows exactly what a table built from scratch would."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PySide6.QtCore import QSortFilterProxyModel

from convnet_studio.graph import GraphError
from convnet_studio.graph.composite_ops import collapse_group, expand_node
from convnet_studio.presets import get_preset
from convnet_studio.ui.panels.summary_model import NAME_ROLE, SORT_ROLE, SummaryModel

BLOCKS = ["layer1.0", "layer1.2", "layer2.0", "layer2.1", "layer3.2"]


def _fresh_rows(graph) -> list:
    model = SummaryModel()
    model.set_analysis(graph, graph.analyze())
    return model.rows


def _shown(model, proxy) -> tuple[list, list]:
    rows = [model.index(r, 0).data(NAME_ROLE) for r in range(model.rowCount())]
    sorted_names = [proxy.index(r, 0).data(NAME_ROLE) for r in range(proxy.rowCount())]
    return rows, sorted_names


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(st.tuples(st.sampled_from(BLOCKS), st.sampled_from(["expand", "collapse", "widen"])),
                      min_size=1, max_size=6))
def test_edits_update_the_table_as_a_fresh_one(qapp, steps) -> None:
    graph = get_preset("resnet20_cifar")
    model = SummaryModel()
    proxy = QSortFilterProxyModel()
    proxy.setSourceModel(model)
    proxy.setSortRole(SORT_ROLE)
    proxy.sort(3)  # by parameters, as a user sorts it
    resets = []
    model.modelReset.connect(lambda: resets.append(1))
    model.set_analysis(graph, graph.analyze())
    resets.clear()
    for block, kind in steps:
        if kind == "expand" and block in graph and graph.node(block).spec.is_composite:
            expand_node(graph, block)
        elif kind == "collapse" and block not in graph and f"{block}.conv1" in graph:
            try:
                collapse_group(graph, block)
            except GraphError:  # refused: the block's input changed since (a widened conv1)
                pass
        elif kind == "widen":  # a parameter edit: only revisited rows change, shapes and problems
            width = graph.node("conv1").params["out_channels"]
            graph.set_params("conv1", out_channels=24 if width == 16 else 16)
        model.set_analysis(graph, graph.analyze())
        fresh = _fresh_rows(graph)
        assert model.rows == fresh
        rows, sorted_names = _shown(model, proxy)
        assert rows == [r[0] for r in fresh]
        assert sorted(sorted_names) == sorted(rows) and len(sorted_names) == len(rows)
    assert resets == []  # never a whole reset: the view keeps its scroll position and selection
