"""The AdaILN / ILN graph pattern: native normalization ops with the exact unbiased-variance fold.

U-GAT-IT normalises with *unbiased* variances (N - 1), while ONNX InstanceNormalization and
LayerNormalization use biased ones (N). For N values per statistic and s = sqrt((N - 1) / N):

    unbiased_norm(x; eps) = s * biased_norm(x; eps * (N - 1) / N) = s * biased_norm(x / s; eps)

(the second form because a normalization is scale-invariant except for eps: biased_norm(a x; eps) =
biased_norm(x; eps / a^2)). Each norm is exported as ONE node of the custom domain ``ugatit``
(``ugatit.AdaILN``, ``ugatit.ILN``) whose ONNX local-function body (below) computes

    s_I, s_L = sqrt((N_I - 1) / N_I), sqrt((N_L - 1) / N_L)    N_I = H * W, N_L = C * H * W (runtime shape)
    a_I = InstanceNormalization(X / s_I, scale=rho, bias=0, epsilon)
    a_L = LayerNormalization(X / s_L, axis=1, epsilon)
    Y   = (s_I * a_I + s_L * (1 - rho) * a_L) * gamma + beta
          # AdaILN: gamma, beta are the MLP's B x C outputs; ILN: its own 1 x C x 1 x 1 parameters

Because N comes from the runtime shape and eps stays the model's own, the result is exact at every
input size, also for dynamic-shape light models. ``function`` mode keeps the nodes (TensorRT's parser
inlines a model-local function, or takes a plugin of that name); ``inline`` mode splices the bodies
in place.
"""

from __future__ import annotations

import copy

import onnx
import onnx.parser
import torch
from torch import nn

from ..core.onnx_contract import NORM_DOMAIN, NORM_DOMAIN_VERSION
from ..model import ILN, AdaILN, ResnetGenerator
from ..model.tf_generator import TFResnetGenerator

_STATISTICS = """
    shape = Shape(X)
    shape_f = Cast<to = 1>(shape)
    c1 = Constant<value_ints = [1]>()
    c2 = Constant<value_ints = [2]>()
    c4 = Constant<value_ints = [4]>()
    hw = Slice(shape_f, c2, c4)
    chw = Slice(shape_f, c1, c4)
    n_i = ReduceProd<keepdims = 0>(hw)
    n_l = ReduceProd<keepdims = 0>(chw)
    one = Constant<value_float = 1.0>()
    n_i1 = Sub(n_i, one)
    n_l1 = Sub(n_l, one)
    r_i = Div(n_i1, n_i)
    r_l = Div(n_l1, n_l)
    s_i = Sqrt(r_i)
    s_l = Sqrt(r_l)
    flat = Constant<value_ints = [-1]>()
    rho_c = Reshape(rho, flat)
    zero_c = Sub(rho_c, rho_c)
    x_i = Div(X, s_i)
    x_l = Div(X, s_l)
    a_i = InstanceNormalization<epsilon: float = @epsilon>(x_i, rho_c, zero_c)
    chw_i = Slice(shape, c1, c4)
    ones = Expand(one, chw_i)
    a_l = LayerNormalization<axis = 1, epsilon: float = @epsilon>(x_l, ones)
    w_l = Sub(one, rho)
    i_part = Mul(a_i, s_i)
    l_w = Mul(a_l, w_l)
    l_part = Mul(l_w, s_l)
    mix = Add(i_part, l_part)
"""

# The TensorFlow variant (``model.tf_generator``) normalises with biased variances: the native ops as they
# are, no fold. Its ``rho`` input is the one the forward pass mixes with (smoothing applied).
_BIASED_STATISTICS = """
    flat = Constant<value_ints = [-1]>()
    rho_c = Reshape(rho, flat)
    zero_c = Sub(rho_c, rho_c)
    a_i = InstanceNormalization<epsilon: float = @epsilon>(X, rho_c, zero_c)
    shape = Shape(X)
    c1 = Constant<value_ints = [1]>()
    c4 = Constant<value_ints = [4]>()
    chw_i = Slice(shape, c1, c4)
    one = Constant<value_float = 1.0>()
    ones = Expand(one, chw_i)
    a_l = LayerNormalization<axis = 1, epsilon: float = @epsilon>(X, ones)
    w_l = Sub(one, rho)
    l_part = Mul(a_l, w_l)
    mix = Add(a_i, l_part)
"""

_ADAILN = """
    axes = Constant<value_ints = [2, 3]>()
    g4 = Unsqueeze(gamma, axes)
    b4 = Unsqueeze(beta, axes)
    scaled = Mul(mix, g4)
    Y = Add(scaled, b4)
"""

_ILN = """
    scaled = Mul(mix, gamma)
    Y = Add(scaled, beta)
"""


def function_protos(opset: int, unbiased: bool = True) -> list[onnx.FunctionProto]:
    """The FunctionProtos of ugatit.AdaILN and ugatit.ILN (``unbiased=False``, the TensorFlow variant:
    ugatit.AdaLIN and ugatit.LIN), built for the model's default opset."""
    header = f'<domain: "{NORM_DOMAIN}", opset_import: ["" : {opset}]>'
    protos = []
    bodies = (("AdaILN", _STATISTICS, _ADAILN), ("ILN", _STATISTICS, _ILN),
              ("AdaLIN", _BIASED_STATISTICS, _ADAILN), ("LIN", _BIASED_STATISTICS, _ILN))  # fmt: skip
    for name, statistics, tail in bodies[:2] if unbiased else bodies[2:]:
        text = f"{header}\n{name} <epsilon>(X, rho, gamma, beta) => (Y) {{{statistics}{tail}}}"
        function = onnx.parser.parse_function(text)
        function.doc_string = __doc__.split("\n\n")[1]
        protos.append(function)
    return protos


class _ExportAdaILN(nn.Module):
    """Stands in for AdaILN while exporting: one ``ugatit::AdaILN`` node (``ugatit::AdaLIN`` for the TF
    variant's biased AdaLIN, with the rho its forward pass mixes with)."""

    def __init__(self, norm: AdaILN) -> None:
        super().__init__()
        self.norm = norm
        self.op = "AdaILN" if norm.unbiased else "AdaLIN"

    def forward(self, x: torch.Tensor, gamma: torch.Tensor, beta: torch.Tensor) -> torch.Tensor:
        return torch.onnx.ops.symbolic(
            f"{NORM_DOMAIN}::{self.op}", (x, self.norm.effective_rho(), gamma, beta), attrs={"epsilon": self.norm.eps},
            dtype=x.dtype, shape=x.shape, version=NORM_DOMAIN_VERSION,
        )  # fmt: skip


class _ExportILN(nn.Module):
    """Stands in for ILN (LIN) while exporting: one ``ugatit::ILN`` (``ugatit::LIN``) node."""

    def __init__(self, norm: ILN) -> None:
        super().__init__()
        self.rho, self.gamma, self.beta = norm.rho, norm.gamma, norm.beta
        self.eps = norm.eps
        self.op = "ILN" if norm.unbiased else "LIN"

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.onnx.ops.symbolic(
            f"{NORM_DOMAIN}::{self.op}", (x, self.rho, self.gamma, self.beta), attrs={"epsilon": self.eps},
            dtype=x.dtype, shape=x.shape, version=NORM_DOMAIN_VERSION,
        )  # fmt: skip


class _CenteredInstanceNorm(nn.Module):
    """An affine instance norm that subtracts the per-channel mean first: the same function (a norm is
    shift-invariant), but ONNX Runtime's InstanceNormalization loses precision on channels whose mean is
    large against their spread. Measured on the TF variant's encoder (conv biases shift the channels),
    a flat 256 px image: 1.4e-4 after the first norm and 2.1e-3 at the output, 4.9e-4 when centred."""

    def __init__(self, norm: nn.InstanceNorm2d) -> None:
        super().__init__()
        self.norm = norm

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.norm(x - x.mean(dim=(2, 3), keepdim=True))


def _center_affine_instance_norms(module: nn.Module) -> None:
    for name, child in module.named_children():
        if isinstance(child, nn.InstanceNorm2d) and child.affine:
            setattr(module, name, _CenteredInstanceNorm(child))
        else:
            _center_affine_instance_norms(child)


def with_norm_nodes(generator: ResnetGenerator | TFResnetGenerator) -> nn.Module:
    """A copy of ``generator`` whose AdaILN/ILN (AdaLIN/LIN) layers export as ``ugatit`` custom-domain nodes
    (and whose affine instance norms, the TF variant's, are centred first)."""
    patched = copy.deepcopy(generator)
    _center_affine_instance_norms(patched)
    for block in patched.up_blocks():
        block.norm1, block.norm2 = _ExportAdaILN(block.norm1), _ExportAdaILN(block.norm2)
    for index, module in enumerate(patched.UpBlock2):
        if isinstance(module, ILN):
            patched.UpBlock2[index] = _ExportILN(module)
    return patched
