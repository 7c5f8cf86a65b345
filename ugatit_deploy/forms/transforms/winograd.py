"""Winograd F(m x m, 3 x 3) as a graph form: the generator's 3x3 stride-1 convolutions rewritten in plain
ONNX ops, so that runtimes without a Winograd kernel (ONNX Runtime's MLAS, OpenVINO's oneDNN) do 4x
(m = 4) or 2.25x (m = 2) fewer multiply-adds in them (Lavin & Gray, "Fast Algorithms for Convolutional
Neural Networks", 2016).

One convolution, input ``B x C x (H+2) x (W+2)`` (its reflect pad before it), weight ``K x C x 3 x 3``:

1. input transform ``B^T d B`` of every (m+2) x (m+2) tile (stride m), as a depthwise stride-m Conv:
   ``B x C*n x H/m x W/m``, n = (m+2)^2;
2. n batched MatMuls with the transformed weights ``G g G^T`` (n x K x C): ``B x n x K x P``, P = tiles;
3. output transform ``A^T M A`` as one MatMul (m^2 x n), then the m x m tiles back into the image.

The tile grid needs static spatial sizes that m divides, so the form fixes the graph's height and width
(a light generator's file keeps a dynamic batch, not a dynamic size). Float rounding differs from the direct
convolution (measured 9e-6 relative on one layer with m = 4); the variant is judged by its own gate.
"""

from __future__ import annotations

import numpy as np
import onnx
from onnx import helper, numpy_helper, shape_inference

from ...core.errors import ExportError
from ...core.onnx_contract import dim_names
from .graph_rewrite import replace_nodes

TILES = (2, 4)
DEFAULT_TILE = 4

# Lavin & Gray's transforms: output tile m -> (B^T, G, A^T)
TRANSFORMS = {
    2: ([[1, 0, -1, 0], [0, 1, 1, 0], [0, -1, 1, 0], [0, 1, 0, -1]],
        [[1, 0, 0], [1 / 2, 1 / 2, 1 / 2], [1 / 2, -1 / 2, 1 / 2], [0, 0, 1]],
        [[1, 1, 1, 0], [0, 1, -1, -1]]),
    4: ([[4, 0, -5, 0, 1, 0], [0, -4, -4, 1, 1, 0], [0, 4, -4, -1, 1, 0], [0, -2, -1, 2, 1, 0], [0, 2, -1, -2, 1, 0],
         [0, 4, 0, -5, 0, 1]],
        [[1 / 4, 0, 0], [-1 / 6, -1 / 6, -1 / 6], [-1 / 6, 1 / 6, -1 / 6], [1 / 24, 1 / 12, 1 / 6],
         [1 / 24, -1 / 12, 1 / 6], [0, 0, 1]],
        [[1, 1, 1, 1, 1, 0], [0, 1, -1, 2, -2, 0], [0, 1, 1, 4, 4, 0], [0, 1, -1, 8, -8, 1]]),
}  # fmt: skip


def _attributes(node: onnx.NodeProto) -> dict:
    return {a.name: helper.get_attribute_value(a) for a in node.attribute}


def _eligible(node: onnx.NodeProto, weights: dict[str, tuple[int, ...]], shapes: dict[str, list], m: int) -> bool:
    """A dense 3x3 stride-1 unpadded Conv with a constant weight, whose static input size m tiles exactly."""
    if node.op_type != "Conv" or node.domain not in ("", "ai.onnx") or node.input[1] not in weights:
        return False
    attrs = _attributes(node)
    shape = shapes.get(node.input[0], [])
    auto_pad = attrs.get("auto_pad", b"NOTSET")
    plain = (list(attrs.get("kernel_shape", [3, 3])) == [3, 3] and attrs.get("group", 1) == 1
             and set(attrs.get("strides", [1])) == {1} and set(attrs.get("dilations", [1])) == {1}
             and not any(attrs.get("pads", [0])) and auto_pad in (b"NOTSET", "NOTSET"))  # fmt: skip
    sized = len(shape) == 4 and all(isinstance(d, int) and d > 2 and (d - 2) % m == 0 for d in shape[2:])
    return plain and sized and weights[node.input[1]][2:] == (3, 3)


def shared_constants(m: int) -> dict[str, np.ndarray]:
    """The constants every rewritten convolution of a graph shares: G and G^T (the weight transform), the
    input-transform basis (n x 1 x t x t) and A^T x A^T (m^2 x n, the output transform), float32."""
    bt, g, at = (np.array(t, np.float64) for t in TRANSFORMS[m])
    t, n = m + 2, (m + 2) ** 2
    basis = np.einsum("ia,jb->ijab", bt, bt).reshape(n, 1, t, t)
    out = np.einsum("ia,jb->ijab", at, at).reshape(m * m, n)
    return {name: value.astype(np.float32) for name, value in (("G", g), ("GT", g.T), ("basis", basis), ("AT", out))}


def _form(node: onnx.NodeProto, shape: tuple[int, int, int, int], m: int, prefix: str) -> tuple[list, list]:
    """The nodes and initializers replacing one eligible Conv. ``shape``: its weight's K x C and output H x W;
    ``prefix``: the names of ``shared_constants``. The transformed weights G g G^T and the tiled input
    transform are computed in the graph from the original weight (constants that ONNX Runtime and OpenVINO
    fold once when they load the file, which stays the size of the fp32 one)."""
    k, c, h, w = shape
    t, n, (th, tw) = m + 2, (m + 2) ** 2, (shape[2] // m, shape[3] // m)
    key = f"{node.name or node.output[0]}/winograd"
    shapes = {"wshape": [k, c, n], "repeats": [c, 1, 1, 1], "tiles": [0, c, n, th * tw],
              "products": [0, n, k * th * tw], "blocks": [0, m, m, k, th, tw], "image": [0, k, h, w]}  # fmt: skip
    inits = [numpy_helper.from_array(np.array(value, np.int64), f"{key}/{name}") for name, value in shapes.items()]
    out = node.output[0] if len(node.input) < 3 or not node.input[2] else f"{key}/y"

    def op(kind: str, inputs: list[str], output: str, **attrs: object) -> onnx.NodeProto:
        return helper.make_node(kind, inputs, [f"{key}/{output}"] if output else [out], f"{key}/{output or 'image'}",
                                **attrs)  # fmt: skip

    nodes = [
        op("MatMul", [f"{prefix}/G", node.input[1]], "gw"),  # K x C x t x 3
        op("MatMul", [f"{key}/gw", f"{prefix}/GT"], "gwg"),  # K x C x t x t
        op("Reshape", [f"{key}/gwg", f"{key}/wshape"], "u0"),
        op("Transpose", [f"{key}/u0"], "u", perm=[2, 0, 1]),  # n x K x C
        op("Tile", [f"{prefix}/basis", f"{key}/repeats"], "in"),  # C*n x 1 x t x t
        op("Conv", [node.input[0], f"{key}/in"], "v0", kernel_shape=[t, t], strides=[m, m], group=c),
        op("Reshape", [f"{key}/v0", f"{key}/tiles"], "v1"),
        op("Transpose", [f"{key}/v1"], "v", perm=[0, 2, 1, 3]),  # B x n x C x P
        op("MatMul", [f"{key}/u", f"{key}/v"], "m"),  # B x n x K x P
        op("Reshape", [f"{key}/m", f"{key}/products"], "m2"),
        op("MatMul", [f"{prefix}/AT", f"{key}/m2"], "y0"),  # B x m^2 x K*P
        op("Reshape", [f"{key}/y0", f"{key}/blocks"], "y1"),
        op("Transpose", [f"{key}/y1"], "y2", perm=[0, 3, 4, 1, 5, 2]),  # B x K x th x m x tw x m
        op("Reshape", [f"{key}/y2", f"{key}/image"], ""),
    ]
    if out != node.output[0]:  # a bias: added per output channel
        nodes.append(helper.make_node("Unsqueeze", [node.input[2], f"{key}/axes"], [f"{key}/bias"]))
        nodes.append(helper.make_node("Add", [out, f"{key}/bias"], [node.output[0]], f"{key}/add_bias"))
        inits.append(numpy_helper.from_array(np.array([0, 2, 3], np.int64), f"{key}/axes"))
    return nodes, inits


def _fix_size(model: onnx.ModelProto, size: int) -> None:
    """Give a symbolic height / width of the graph's input and outputs its value at ``size`` px (a light
    generator's; the heatmap is a quarter of it)."""
    static = dim_names(light=False, dynamic_batch=True, img_size=size)
    for value in [*model.graph.input, *model.graph.output]:
        want = static.get(value.name, [None, None, size, size])[2:]
        for dim, value_ in zip(value.type.tensor_type.shape.dim[2:], want, strict=False):
            if not dim.HasField("dim_value"):
                dim.Clear()
                dim.dim_value = value_


def winograd_form(model: onnx.ModelProto, img_size: int, m: int = DEFAULT_TILE) -> tuple[onnx.ModelProto, list[str]]:
    """A copy of an FP32 generator graph with every eligible 3x3 convolution in F(m x m, 3 x 3) form, its
    height and width fixed at ``img_size``; and the names of the convolutions rewritten (ExportError: none)."""
    if m not in TILES:
        raise ExportError(f"Winograd tile must be one of {', '.join(map(str, TILES))}, got {m}")
    model = onnx.ModelProto.FromString(model.SerializeToString())
    _fix_size(model, img_size)
    inferred = shape_inference.infer_shapes(model)
    shapes = {v.name: [d.dim_value if d.HasField("dim_value") else d.dim_param for d in v.type.tensor_type.shape.dim]
              for v in [*inferred.graph.value_info, *inferred.graph.input]}  # fmt: skip
    weights = {init.name: tuple(init.dims) for init in model.graph.initializer}  # shapes: no tensor is read
    prefix = f"winograd_f{m}"
    nodes, inits, rewritten = [], [], []
    for node in model.graph.node:
        if not _eligible(node, weights, shapes, m):
            nodes.append(node)
            continue
        height, width = (d - 2 for d in shapes[node.input[0]][2:])
        new_nodes, new_inits = _form(node, (*weights[node.input[1]][:2], height, width), m, prefix)
        nodes += new_nodes
        inits += new_inits
        rewritten.append(node.name)
    inits += [numpy_helper.from_array(value, f"{prefix}/{name}") for name, value in shared_constants(m).items()]
    if not rewritten:
        raise ExportError(
            f"no 3x3 stride-1 convolution of this graph fits Winograd F({m}x{m}, 3x3) at {img_size} px "
            f"(its output height and width must be multiples of {m})"
        )
    replace_nodes(model, nodes, inits)
    return model, rewritten
