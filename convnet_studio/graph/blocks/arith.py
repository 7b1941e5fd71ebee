"""PyTorch's output-size arithmetic for convolution and pooling, to the last floor and ceil."""

from __future__ import annotations

from convnet_studio.graph.params import pair
from convnet_studio.graph.registry import Shape, ShapeError

# The output-size rule in words, for the reference pages (Conv2d, MaxPool2d, AvgPool2d).
CONV_SIZE_DOC = (
    "H' = floor((H + 2*padding - dilation*(kernel - 1) - 1) / stride) + 1, the same for W"
)


def feature_map(shape: Shape, what: str) -> tuple[int, int, int]:
    """Check that ``shape`` is C x H x W, or explain which layer is missing."""
    if len(shape) != 3:
        raise ShapeError(
            f"{what} needs a feature map C x H x W, but its input is {fmt_shape(shape)} "
            "(a flat vector: remove the Flatten or Linear before it)",
            port="in",
        )
    return shape[0], shape[1], shape[2]


def conv_out(size: int, kernel: int, stride: int, pad: int, dilation: int) -> int:
    # floor((size + 2p - d(k-1) - 1) / s) + 1, as in torch.nn.Conv2d's documentation.
    return (size + 2 * pad - dilation * (kernel - 1) - 1) // stride + 1


def pool_out(size: int, kernel: int, stride: int, pad: int, dilation: int, ceil_mode: bool) -> int:
    span = size + 2 * pad - dilation * (kernel - 1) - 1
    if not ceil_mode:
        return span // stride + 1
    out = -(-span // stride) + 1
    # PyTorch drops the last window when it would start in the right padding.
    if (out - 1) * stride >= size + pad:
        out -= 1
    return out


def same_padding(kernel: int, dilation: int) -> tuple[int, int]:
    """(left, right) padding that keeps the size for stride 1, as padding='same' does."""
    total = dilation * (kernel - 1)
    return total // 2, total - total // 2


def spatial_out(
    what: str,
    hw: tuple[int, int],
    kernel,
    stride,
    padding,
    dilation,
    ceil_mode: bool | None = None,
) -> tuple[int, int]:
    """Output H x W of a conv (``ceil_mode is None``) or a pooling layer."""
    ks, ss, ds = pair(kernel), pair(stride), pair(dilation)
    if padding == "same":
        if ss != (1, 1):
            raise ShapeError(f"{what}: padding='same' needs stride 1 (PyTorch refuses it otherwise)")
        return hw
    pads = (0, 0) if padding == "valid" else pair(padding)
    out = []
    for axis, size, k, s, p, d in zip("HW", hw, ks, ss, pads, ds):
        if ceil_mode is not None and p > (d * (k - 1) + 1) // 2:
            raise ShapeError(f"{what}: padding {p} is more than half the kernel size {k}")
        n = conv_out(size, k, s, p, d) if ceil_mode is None else pool_out(size, k, s, p, d, ceil_mode)
        if n < 1:
            raise ShapeError(
                f"{what}: the {axis} axis shrinks below 1 ({size} in, kernel {k}, stride {s}, "
                f"padding {p}): the feature map is too small here",
                port="in",
            )
        out.append(n)
    return out[0], out[1]


def numel(shape: Shape | None) -> int:
    n = 1
    for d in shape or ():
        n *= d
    return n if shape else 0


def fmt_shape(shape: Shape | None) -> str:
    if shape is None:
        return "?"
    return " x ".join(str(d) for d in shape)


def fmt_bytes(n: float) -> str:
    """``2_621_440 -> "2.5 MiB"``: binary units, the one convention of the CLI and the GUI."""
    value = float(n)
    for unit in ("B", "KiB", "MiB"):
        if abs(value) < 1024:
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} GiB"
