"""Model files changed as an attacker or a damaged disk would change them (issue 23), from a real export.

``crafted`` rewrites the sidecar's hash and size to match the changed file (someone made it that way: the
integrity check passes, the structure checks must catch it); ``damaged`` leaves the sidecar as exported.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import onnx

from ugatit_deploy.core.metadata import read_sidecar, sidecar_path, write_sidecar


def crafted(source: Path, target: Path, change: Callable[[onnx.ModelProto], None]) -> Path:
    """A copy of an exported ONNX with ``change`` applied and a sidecar that describes the changed file."""
    model = onnx.load(str(source))
    change(model)
    onnx.save(model, str(target))
    write_sidecar(read_sidecar(source).describing(target), target)
    return target


def damaged(source: Path, target: Path, change: Callable[[bytes], bytes]) -> Path:
    """A copy of an artifact whose bytes ``change`` altered, beside the sidecar export wrote for the original."""
    target.write_bytes(change(source.read_bytes()))
    shutil.copy(sidecar_path(source), sidecar_path(target))
    return target


def flip_middle_byte(data: bytes) -> bytes:
    middle = len(data) // 2
    return data[:middle] + bytes([data[middle] ^ 0xFF]) + data[middle + 1 :]


def fix_input_dims(*dims: int) -> Callable[[onnx.ModelProto], None]:
    """Make the graph input's dims fixed values (``[1, 3, 100000, 100000]``: finding P2)."""

    def change(model: onnx.ModelProto) -> None:
        for dim, value in zip(model.graph.input[0].type.tensor_type.shape.dim, dims, strict=True):
            dim.ClearField("dim_param")
            dim.dim_value = value

    return change


def rename_output(name: str) -> Callable[[onnx.ModelProto], None]:
    """The image output renamed (an Identity from ``output`` to ``name``): a graph that is not ours."""

    def change(model: onnx.ModelProto) -> None:
        model.graph.node.append(onnx.helper.make_node("Identity", ["output"], [name]))
        model.graph.output[0].name = name

    return change


def drop_outputs(model: onnx.ModelProto) -> None:
    del model.graph.output[:]


def set_metadata(key: str, value: str) -> Callable[[onnx.ModelProto], None]:
    """One ``metadata_props`` entry replaced (``ugatit.model`` corrupted: finding P5)."""

    def change(model: onnx.ModelProto) -> None:
        for prop in model.metadata_props:
            if prop.key == key:
                prop.value = value

    return change


def without_sidecar(path: Path) -> Path:
    sidecar_path(path).unlink()
    return path
