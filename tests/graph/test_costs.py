"""The cost model: analytic parameters and MACs, and the seeds' 1x1 bottleneck arithmetic."""

from __future__ import annotations

from convnet_studio.graph.analysis import Cost


def test_the_bottleneck_example_exactly(make_chain) -> None:
    # 28x28x192 -> 5x5 conv, 32 filters, 'same': 28*28*32 outputs x 5*5*192 taps each.
    direct = make_chain((192, 28, 28), ("Conv2d", dict(out_channels=32, kernel_size=5, padding="same", bias=False)))
    assert direct.analyze().nodes["l0"].cost.macs == 120_422_400
    reduced = make_chain(
        (192, 28, 28),
        ("Conv2d", dict(out_channels=16, kernel_size=1, bias=False)),
        ("Conv2d", dict(out_channels=32, kernel_size=5, padding="same", bias=False)),
    )
    a = reduced.analyze()
    assert a.nodes["l0"].cost.macs == 2_408_448
    assert a.nodes["l1"].cost.macs == 10_035_200
    assert a.total.macs == 12_443_648
    assert a.total.flops == 2 * 12_443_648


def test_conv_and_linear_parameters(make_chain) -> None:
    g = make_chain(
        (8, 10, 10),
        ("Conv2d", dict(out_channels=16, kernel_size=[3, 5], groups=2, padding=[1, 2])),
        ("BatchNorm2d", {}),
        ("GlobalAvgPool", {}),
        ("Flatten", {}),
        ("Linear", dict(out_features=5, bias=False)),
    )
    a = g.analyze()
    assert a.nodes["l0"].cost.params == 16 * (8 // 2) * 3 * 5 + 16
    assert a.nodes["l0"].cost.macs == 16 * 10 * 10 * (8 // 2) * 3 * 5
    assert a.nodes["l1"].cost == Cost(32, 0, 1600)
    assert a.nodes["l4"].cost == Cost(80, 80, 5)
    assert a.total.params == 16 * 4 * 15 + 16 + 32 + 80


def test_activations_and_bytes(make_chain) -> None:
    a = make_chain((3, 4, 4), ("ReLU", {})).analyze()
    assert a.nodes["l0"].cost.activations == 48
    assert a.nodes["l0"].cost.activation_bytes() == 192
    assert a.nodes["output"].cost.activations == 0


def test_composite_cost_is_its_expansion(make_chain) -> None:
    # torchvision's resnet50 layer1.0: 64 -> 256 channels at 56x56 with a projection.
    g = make_chain((64, 56, 56), ("Bottleneck", dict(planes=64)))
    cost = g.analyze().nodes["l0"].cost
    convs = 64 * 64 + 64 * 64 * 9 + 64 * 256 + 64 * 256
    bns = 2 * (64 + 64 + 256 + 256)
    assert cost.params == convs + bns
    assert cost.macs == 56 * 56 * convs


def test_cost_addition() -> None:
    assert Cost(1, 2, 3) + Cost(4, 5, 6) == Cost(5, 7, 9)
