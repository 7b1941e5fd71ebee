"""Writing exports: Python code (with optional weights), ONNX, TorchScript and state_dicts.

Every file is written to a temporary file in the target directory and renamed into place,
so an export that fails half way (a full disk, an exporter error) never leaves a partial
file under the target's name.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import warnings
from collections.abc import Iterator, Mapping
from pathlib import Path

import torch
from torch import nn

from convnet_studio.codegen.python import generate_python
from convnet_studio.errors import ExportError, ExportPathError
from convnet_studio.graph.model import Graph
from convnet_studio.graph.registry import Shape

ONNX_OPSET = 17


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; on success it replaces ``path``, else it is removed."""
    target = Path(path)
    directory = target.parent if str(target.parent) else Path(".")
    if not directory.is_dir():
        raise ExportPathError(f"cannot write {target}: the folder {directory} does not exist")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=directory)
    except OSError as exc:
        raise ExportPathError(f"cannot write {target}: {exc.strerror or exc}") from None
    os.close(fd)
    try:
        yield Path(tmp)
        # mkstemp makes the file private; an export should get the usual permissions.
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, target)
    except OSError as exc:
        raise ExportPathError(f"cannot write {target}: {exc.strerror or exc}") from None
    finally:
        with contextlib.suppress(OSError):
            os.unlink(tmp)


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def weights_path(code_path: str | os.PathLike[str]) -> Path:
    """Where the weights of an exported ``net.py`` go: ``net.pt`` beside it."""
    return Path(code_path).with_suffix(".pt")


def export_python(
    graph: Graph,
    path: str | os.PathLike[str],
    state_dict: Mapping[str, torch.Tensor] | None = None,
    input_shape: Shape | None = None,
    class_name: str | None = None,
) -> list[Path]:
    """Write the network's code to ``path`` and, if given, its weights beside it (``.pt``).

    Returns:
        The paths written (the code first).
    """
    written = []
    weights = weights_path(path) if state_dict is not None else None
    source = generate_python(graph, input_shape, class_name, weights.name if weights else None)
    if weights is not None:
        export_state_dict(state_dict, weights)
        written.append(weights)
    with atomic_path(path) as tmp:
        tmp.write_text(source, encoding="utf-8")
    return [Path(path)] + written


def export_state_dict(
    weights: nn.Module | Mapping[str, torch.Tensor], path: str | os.PathLike[str]
) -> Path:
    """Save a state_dict (of a module, or given) that ``torch.load(weights_only=True)`` reads."""
    state = weights.state_dict() if isinstance(weights, nn.Module) else dict(weights)
    state = {k: v.detach().cpu().contiguous() for k, v in state.items()}
    with atomic_path(path) as tmp:
        torch.save(state, tmp)
    return Path(path)


def export_onnx(module: nn.Module, path: str | os.PathLike[str], input_shape: Shape) -> Path:
    """Export ``module`` (in eval mode) to ONNX with a dynamic batch size, and check the file.

    Uses the TorchScript-based exporter, which needs nothing beyond torch and works offline;
    the newer dynamo exporter is used only where the old one is gone.
    """
    import onnx

    module = module.eval()
    example = (torch.randn(1, *input_shape),)
    with atomic_path(path) as tmp:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                _onnx_export(module, example, tmp)
            onnx.checker.check_model(onnx.load(str(tmp)), full_check=True)
        except ExportError:
            raise
        except Exception as exc:  # noqa: BLE001  (any exporter failure is the user's to see)
            raise ExportError(f"ONNX export failed: {str(exc).strip().splitlines()[0]}") from None
    return Path(path)


def _onnx_export(module: nn.Module, example: tuple[torch.Tensor, ...], path: Path) -> None:
    kwargs = {"input_names": ["input"], "output_names": ["output"], "opset_version": ONNX_OPSET}
    axes = {"input": {0: "batch"}, "output": {0: "batch"}}
    try:
        torch.onnx.export(module, example, str(path), dynamo=False, dynamic_axes=axes, **kwargs)
    except TypeError:  # a torch without the legacy exporter
        batch = torch.export.Dim("batch")
        torch.onnx.export(
            module,
            example,
            str(path),
            dynamo=True,
            dynamic_shapes=({0: batch},),
            external_data=False,
            **kwargs,
        )


def export_torchscript(module: nn.Module, path: str | os.PathLike[str], input_shape: Shape) -> Path:
    """Save ``module`` as TorchScript: scripted, or traced where scripting fails."""
    module = module.eval()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch.jit is deprecated but still the portable format
        try:
            scripted = torch.jit.script(module)
        except Exception:  # noqa: BLE001  (code TorchScript cannot compile: tracing records the ops instead)
            with torch.no_grad():
                scripted = torch.jit.trace(module, torch.randn(1, *input_shape))
        with atomic_path(path) as tmp:
            torch.jit.save(scripted, str(tmp))
    return Path(path)
