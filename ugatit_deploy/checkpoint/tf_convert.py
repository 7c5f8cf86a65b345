"""The official TensorFlow checkpoints (taki0112/UGATIT) as ``TFResnetGenerator`` state_dicts.

Variable scopes: ``generator_B`` translates A -> B (``a2b``), ``generator_A`` B -> A (``b2a``). Only the
generators' own variables are read (not the discriminators, Adam slots or spectral-norm vectors). TF
kernels are HWIO and dense kernels [in, out]; the module's weights are OIHW and [out, in]. A full model's
``MLP/linear_0`` reads the bottleneck flattened in (h, w, c) order, which ``TFResnetGenerator`` keeps.

The weights cannot tell whether AdaLIN smoothing was on. The official code names the checkpoint folder
after its settings and ends it in ``_smoothing`` when it was; otherwise the caller decides, and the
official default (on) applies.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from ..core.errors import CheckpointError
from ..model.config import DEFAULT_IMG_SIZE, TENSORFLOW, GeneratorConfig
from .tf_bundle import TFCheckpoint

SCOPES = {"a2b": "generator_B", "b2a": "generator_A"}
OFFICIAL_SMOOTHING = True  # taki0112/UGATIT main.py: --smoothing defaults to True
SMOOTHING_SUFFIX = "_smoothing"
N_DOWN = 2


@dataclass(frozen=True)
class TFGenerators:
    """The generators found in a TF checkpoint: architecture and state_dict per direction."""

    configs: dict[str, GeneratorConfig]
    state_dicts: dict[str, dict[str, torch.Tensor]]
    smoothing_note: str


def smoothing_for(folder: Path, smoothing: bool | None) -> tuple[bool, str]:
    """(smoothing, why): the folder name's ``_smoothing`` suffix, else ``smoothing``, else the official default."""
    if folder.name.endswith(SMOOTHING_SUFFIX):
        if smoothing is False:
            raise CheckpointError(
                f"--no-smoothing contradicts the folder name {folder.name!r}, which ends in _smoothing"
            )
        return True, f"AdaLIN smoothing on: the folder name ends in {SMOOTHING_SUFFIX}"
    if smoothing is not None:
        return smoothing, f"AdaLIN smoothing {'on' if smoothing else 'off'}: as asked"
    return OFFICIAL_SMOOTHING, (
        f"AdaLIN smoothing on, the official default (the folder name does not end in {SMOOTHING_SUFFIX}); "
        "convert with --no-smoothing if the model was trained without it"
    )


def _conv(kernel: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(np.ascontiguousarray(kernel.transpose(3, 2, 0, 1)))


def _dense(kernel: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(np.ascontiguousarray(kernel.T))


def _vector(values: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(np.ascontiguousarray(values))


def _rho_map(values: np.ndarray) -> torch.Tensor:
    """[C] -> 1 x C x 1 x 1, the shape of the norms' per-channel parameters."""
    return _vector(values).reshape(1, -1, 1, 1)


def _layout(n_res: int) -> list[tuple[str, str, Callable[[np.ndarray], torch.Tensor]]]:
    """(state_dict key, TF variable under the scope, converter) for every generator tensor."""
    rows: list[tuple[str, str, Callable[[np.ndarray], torch.Tensor]]] = []

    def pair(key: str, weight: str, bias: str, convert: Callable[[np.ndarray], torch.Tensor]) -> None:
        rows.extend([(f"{key}.weight", weight, convert), (f"{key}.bias", bias, _vector)])

    def conv(key: str, scope: str) -> None:
        pair(key, f"{scope}/conv2d/kernel", f"{scope}/conv2d/bias", _conv)

    def affine(key: str, scope: str) -> None:
        pair(key, f"{scope}/gamma", f"{scope}/beta", _vector)

    def dense(key: str, scope: str) -> None:
        pair(key, f"{scope}/dense/kernel", f"{scope}/dense/bias", _dense)

    def lin(key: str, scope: str) -> None:
        rows.extend((f"{key}.{name}", f"{scope}/{name}", _rho_map) for name in ("rho", "gamma", "beta"))

    conv("DownBlock.1", "conv")
    affine("DownBlock.2", "ins_norm")
    for i, index in enumerate((5, 9)):
        conv(f"DownBlock.{index}", f"conv_{i}")
        affine(f"DownBlock.{index + 1}", f"ins_norm_{i}")
    for i in range(n_res):
        for half, (c, n) in (("res1", (1, 2)), ("res2", (5, 6))):
            conv(f"DownBlock.{12 + i}.conv_block.{c}", f"resblock_{i}/{half}/conv_0")
            affine(f"DownBlock.{12 + i}.conv_block.{n}", f"resblock_{i}/{half}/instance_norm")
    rows += [("cam_fc.weight", "CAM_logit/kernel", _dense), ("cam_fc.bias", "CAM_logit/bias", _vector)]
    conv("conv1x1", "conv_1x1")
    dense("FC.0", "MLP/linear_0")
    dense("FC.2", "MLP/linear_1")
    dense("gamma", "MLP/gamma")
    dense("beta", "MLP/beta")
    for i in range(n_res):
        for half, (c, n) in (("res1", ("conv1", "norm1")), ("res2", ("conv2", "norm2"))):
            conv(f"UpBlock1_{i + 1}.{c}", f"adaptive_resblock{i}/{half}/conv_0")
            rho = f"adaptive_resblock{i}/{half}/instance_layer_norm/rho"
            rows.append((f"UpBlock1_{i + 1}.{n}.rho", rho, _rho_map))
    conv("UpBlock2.2", "up_conv_0")
    lin("UpBlock2.3", "layer_ins_norm_0")
    conv("UpBlock2.7", "up_conv_1")
    lin("UpBlock2.8", "layer_ins_norm_1")
    conv("UpBlock2.11", "G_logit")
    return rows


def _shape(ckpt: TFCheckpoint, name: str, ndim: int) -> tuple[int, ...]:
    shape = ckpt.shape(name)
    if len(shape) != ndim or min(shape) < 1:
        raise CheckpointError(f"{ckpt.prefix}: {name} has shape {list(shape)}, not {ndim} positive sizes")
    return shape


def _architecture(ckpt: TFCheckpoint, scope: str, smoothing: bool) -> GeneratorConfig:
    names = set(ckpt.names())
    need = [f"{scope}/conv/conv2d/kernel", f"{scope}/MLP/linear_0/dense/kernel"]
    if missing := [name for name in need if name not in names]:
        raise CheckpointError(f"{ckpt.prefix}: no U-GAT-IT {scope} (missing {missing[0]!r})")
    ngf = _shape(ckpt, need[0], 4)[3]
    n_res = len({m.group(1) for n in names if (m := re.match(rf"{scope}/resblock_(\d+)/", n))})
    dim = ngf * 2**N_DOWN
    mlp_in, width = _shape(ckpt, need[1], 2)
    if width != dim:
        raise CheckpointError(
            f"{ckpt.prefix}: {scope}'s MLP is {width} wide, not 4 * ch = {dim}: the official code sizes it "
            f"ch * n_res, so only n_res = 4 models work (this one has {n_res} residual blocks)"
        )
    light = mlp_in == dim
    size = DEFAULT_IMG_SIZE
    if not light:
        side = math.isqrt(mlp_in // dim)
        if side * side * dim != mlp_in:
            raise CheckpointError(f"{ckpt.prefix}: {scope}/MLP/linear_0 takes {mlp_in} inputs, no img_size gives that")
        size = 4 * side
    return GeneratorConfig(ngf, n_res, size, light, TENSORFLOW, smoothing)


_NDIM = {_conv: 4, _dense: 2, _vector: 1, _rho_map: 1}  # the TF variable's rank each converter takes


def _converted(
    ckpt: TFCheckpoint, name: str, convert: Callable[[np.ndarray], torch.Tensor], shape: tuple[int, ...]
) -> torch.Tensor:
    """One variable read and converted, or CheckpointError if it is not a float tensor of the architecture's shape."""
    array = ckpt.read(name)
    if array.dtype.kind == "f" and array.ndim == _NDIM[convert] and array.size:
        tensor = convert(array)
        if tuple(tensor.shape) == shape:
            return tensor.to(torch.float32)
    raise CheckpointError(
        f"{ckpt.prefix}: {name} is {array.dtype} {list(array.shape)}, which does not fit this generator "
        f"({list(shape)} in PyTorch layout): not the official generator"
    )


def tf_generators(ckpt: TFCheckpoint, smoothing: bool | None = None, weights: bool = True) -> TFGenerators:
    """Every generator of an official TF checkpoint, converted (each tensor's checksum verified on read);
    ``weights=False`` reads the architecture only (no tensor data)."""
    on, note = smoothing_for(ckpt.prefix.parent, smoothing)
    found = {d: s for d, s in SCOPES.items() if any(n.startswith(f"{s}/") for n in ckpt.names())}
    if not found:
        scopes = sorted({n.split("/")[0] for n in ckpt.names()})[:6]
        raise CheckpointError(
            f"{ckpt.prefix} is a TensorFlow checkpoint but holds no U-GAT-IT generator (generator_B/, generator_A/); "
            f"its scopes: {', '.join(scopes) or 'none'}"
        )
    configs, state_dicts = {}, {}
    for direction, scope in found.items():
        config = _architecture(ckpt, scope, on)
        state_dict = {}
        expected = config.state_dict_shapes() if weights else {}
        for key, name, convert in _layout(config.n_blocks) if weights else ():
            full = f"{scope}/{name}"
            if full not in ckpt.entries:
                raise CheckpointError(f"{ckpt.prefix}: {scope} has no variable {name!r}: not the official generator")
            state_dict[key] = _converted(ckpt, full, convert, expected[key])
        configs[direction], state_dicts[direction] = config, state_dict
    return TFGenerators(configs, state_dicts, note)
