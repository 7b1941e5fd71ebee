"""The preset registry and API, with no torch: names, sizes, errors, metadata, files."""

from __future__ import annotations

import subprocess
import sys

import pytest

from convnet_studio.graph.project_file import dumps, load_project, save_project
from convnet_studio.presets import (
    PresetError,
    PresetInfo,
    get_preset,
    list_presets,
    preset_info,
    preset_names,
    register_preset,
)
from convnet_studio.sources import resolve_source

EXPECTED = [
    "resnet18",
    "resnet34",
    "resnet50",
    "resnet101",
    "resnet152",
    "plain18",
    "plain34",
    "resnet20_cifar",
    "resnet32_cifar",
    "resnet44_cifar",
    "resnet56_cifar",
    "resnet110_cifar",
    "resnet1202_cifar",
    "plain20_cifar",
    "plain32_cifar",
    "plain44_cifar",
    "plain56_cifar",
    "googlenet",
    "googlenet_paper",
    "vgg11",
    "vgg11_bn",
    "vgg13",
    "vgg13_bn",
    "vgg16",
    "vgg16_bn",
    "vgg19",
    "vgg19_bn",
    "alexnet",
    "squeezenet1_0",
    "squeezenet1_1",
    "resnext50_32x4d",
    "wide_resnet50_2",
    "mobilenet_v2",
    "mobilenet_v3_small",
    "mobilenet_v3_large",
    "mnasnet1_0",
    "densenet121",
    "densenet161",
    "shufflenet_v2_x1_0",
    "inception_v3",
    "efficientnet_b0",
    "efficientnet_b1",
    "efficientnet_b2",
    "efficientnet_b3",
    "efficientnet_v2_s",
    "regnet_y_400mf",
    "convnext_tiny",
]


def test_every_preset_of_the_issue_is_registered() -> None:
    assert preset_names() == EXPECTED


def test_infos_are_complete() -> None:
    for info in list_presets():
        assert isinstance(info, PresetInfo)
        assert info.description and "\n" not in info.description
        assert info.source and info.family
        assert len(info.default_input) == 3 and info.default_num_classes >= 1
    assert [i.name for i in list_presets("VGG")] == [n for n in EXPECTED if n.startswith("vgg")]
    with pytest.raises(AttributeError):
        preset_info("resnet18").name = "x"  # frozen


def test_duplicate_names_are_refused() -> None:
    with pytest.raises(PresetError, match="already registered"):
        register_preset(PresetInfo("resnet18", "ResNet", "again"), lambda n, s: None)


def test_unknown_name_is_a_user_error() -> None:
    with pytest.raises(PresetError, match="no preset named 'resnet19'.*resnet18"):
        get_preset("resnet19")


@pytest.mark.parametrize("classes", [0, -1, 2.5, True, "10"])
def test_bad_class_counts_are_refused(classes) -> None:
    with pytest.raises(PresetError, match="num_classes"):
        get_preset("resnet18", num_classes=classes)


@pytest.mark.parametrize(
    "size, expected",
    [(None, (3, 32, 32)), (48, (3, 48, 48)), ((40, 48), (3, 40, 48)), ((1, 32, 32), (1, 32, 32))],
)
def test_input_sizes(size, expected) -> None:
    assert get_preset("resnet20_cifar", input_size=size).analyze().input_shape == expected


def test_bad_input_sizes_are_refused() -> None:
    with pytest.raises(PresetError, match="C, H, W"):
        get_preset("resnet18", input_size=(3, 0, 32))
    with pytest.raises(PresetError, match="vgg11 cannot take a 3 x 16 x 16 input.*features"):
        get_preset("vgg11", input_size=16)


def test_class_count_and_input_size_reach_the_graph() -> None:
    graph = get_preset("resnet18", num_classes=10, input_size=(3, 32, 32))
    analysis = graph.analyze()
    assert analysis.ok
    assert analysis.output_shape("fc") == (10,)
    assert analysis.output_shape("layer4.1") == (512, 1, 1)
    assert graph.meta["preset"] == "resnet18" and graph.meta["num_classes"] == 10
    assert graph.meta["description"] == preset_info("resnet18").description
    assert graph.name == "resnet18"


def test_resnet_layout_follows_torchvision() -> None:
    graph = get_preset("resnet50")
    top = [n.name for n in graph]
    assert top[:5] == ["input", "conv1", "bn1", "relu", "maxpool"]
    assert top[-4:] == ["avgpool", "flatten", "fc", "output"]
    blocks = [n for n in graph if n.type == "Bottleneck"]
    assert [b.name for b in blocks][:4] == ["layer1.0", "layer1.1", "layer1.2", "layer2.0"]
    assert len(blocks) == 16
    strides = {b.name: b.params["stride"] for b in blocks if b.params["stride"] != 1}
    assert strides == {"layer2.0": 2, "layer3.0": 2, "layer4.0": 2}
    assert {b.params["shortcut"] for b in get_preset("plain34") if b.type == "BasicBlock"} == {
        "none"
    }


def test_cifar_nets_follow_section_4_2() -> None:
    graph = get_preset("resnet56_cifar")
    analysis = graph.analyze()
    blocks = [n for n in graph if n.type == "BasicBlock"]
    assert len(blocks) == 27 and {b.params["shortcut"] for b in blocks} == {"A"}
    assert (
        graph.node("conv1").params["kernel_size"] == 3
        and graph.node("conv1").params["out_channels"] == 16
    )
    assert [analysis.output_shape(f"layer{i}.8") for i in (1, 2, 3)] == [
        (16, 32, 32),
        (32, 16, 16),
        (64, 8, 8),
    ]
    assert analysis.total.params == 853_018  # the paper's 0.85M
    assert get_preset("resnet110_cifar").analyze().total.params == 1_727_962  # 1.7M
    big = get_preset("resnet1202_cifar")  # the paper's 19.4M, every block expanded
    assert big.analyze().total.params == 19_421_274 and len(big) == 4210
    assert not any(n.spec.is_composite for n in big)
    assert big.node("layer3.199.conv2").meta["origin"]["name"] == "layer3.199"
    assert (
        get_preset("plain20_cifar").analyze().total.params
        == get_preset("resnet20_cifar").analyze().total.params
    )


def test_googlenet_variants() -> None:
    tv, paper = get_preset("googlenet"), get_preset("googlenet_paper")
    assert (
        tv.node("inception4a").params["big_kernel"] == 3
        and tv.node("inception4a").params["bn_eps"] == 1e-3
    )
    assert (
        paper.node("inception4a").params["big_kernel"] == 5
        and not paper.node("inception4a").params["batch_norm"]
    )
    assert (
        tv.node("maxpool4").params["kernel_size"] == 2
        and paper.node("maxpool4").params["kernel_size"] == 3
    )
    assert paper.nodes_of_type("LocalResponseNorm") and not tv.nodes_of_type("LocalResponseNorm")
    assert tv.node("dropout").params["p"] == 0.2 and paper.node("dropout").params["p"] == 0.4
    for graph in (tv, paper):
        assert graph.analyze().output_shape("inception5b") == (1024, 7, 7)


def test_vgg_stages_fold_as_groups() -> None:
    graph = get_preset("vgg16_bn")
    groups = {}
    for node in graph:
        if node.name.startswith("features."):
            groups.setdefault(node.group, []).append(int(node.name.split(".")[1]))
    assert list(groups) == [f"stage{i}" for i in range(1, 6)]
    assert [i for stage in groups.values() for i in stage] == list(
        range(44)
    )  # one running index, as torchvision's
    assert (
        graph.node("features.6").type == "MaxPool2d"
        and graph.node("classifier.6").params["out_features"] == 1000
    )


@pytest.mark.parametrize("name", preset_names())
def test_positions_are_left_to_right_and_distinct(name: str) -> None:
    graph = get_preset(name)
    positions = [n.position for n in graph]
    assert len(set(positions)) == len(positions)
    # Left to right in rows, like text: every edge goes right, or down to the next row.
    for edge in graph.edges:
        (x0, y0), (x1, y1) = graph.node(edge.src).position, graph.node(edge.dst).position
        assert x1 > x0 or y1 > y0, edge


@pytest.mark.parametrize("name", ["resnet50", "googlenet_paper", "vgg11_bn", "resnet20_cifar"])
def test_saved_preset_reloads_unchanged(name: str, tmp_path) -> None:
    graph = get_preset(name, num_classes=10, input_size=(3, 64, 64))
    path = save_project(graph, tmp_path / f"{name}.cnsproj")
    loaded = load_project(path)
    assert dumps(loaded) == dumps(graph)
    assert loaded.to_dict() == graph.to_dict()
    assert loaded.analyze().total == graph.analyze().total


def test_resolve_source_builds_presets_and_reads_project_files(tmp_path) -> None:
    graph = resolve_source("resnet18", num_classes=5, input_size=(3, 32, 32))
    assert graph.analyze().output_shape("fc") == (5,)
    path = save_project(graph, tmp_path / "mine.cnsproj")
    assert resolve_source(str(path)).to_dict() == graph.to_dict()


def test_listing_and_building_presets_do_not_import_torch() -> None:
    code = (
        "import sys; from convnet_studio.presets import list_presets, get_preset; "
        "[get_preset(i.name) for i in list_presets()]; "
        "from convnet_studio.presets.catalog import summaries; summaries(); "
        "bad = [m for m in ('torch', 'torchvision', 'PySide6') if m in sys.modules]; "
        "assert not bad, bad"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
