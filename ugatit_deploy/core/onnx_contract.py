"""The ONNX files' contract, shared by export, the formats, every runner, serving and the C++ runner: graph
I/O names and dims, the layer names of the convolutions, and the ``ugatit`` function domain of the AdaILN /
ILN nodes (and how to splice those functions away for runtimes that cannot read ONNX local functions,
such as OpenVINO's ONNX frontend)."""

from __future__ import annotations

import onnx
import onnx.inliner

INPUT_NAME = "input"
OUTPUT_NAMES = ("output", "cam_logit", "heatmap")  # image; with --outputs all also the CAM logit and heatmap
NORM_DOMAIN = "ugatit"  # ugatit.AdaILN / ugatit.ILN local functions
NORM_DOMAIN_VERSION = 1


def inline_norms(model: onnx.ModelProto) -> onnx.ModelProto:
    """Splice the ugatit.AdaILN / ugatit.ILN bodies into the graph and drop the custom domain."""
    inlined = onnx.inliner.inline_local_functions(model)
    del inlined.functions[:]
    kept = [op for op in inlined.opset_import if op.domain != NORM_DOMAIN]
    del inlined.opset_import[:]
    inlined.opset_import.extend(kept)
    return inlined


def dim_names(light: bool, dynamic_batch: bool, img_size: int) -> dict[str, list[int | str]]:
    """Symbolic/fixed dims of every graph tensor, as written into the ONNX and the sidecar."""
    batch: int | str = "batch" if dynamic_batch else 1
    h, w = ("height", "width") if light else (img_size, img_size)
    h4, w4 = ("height/4", "width/4") if light else (img_size // 4, img_size // 4)
    return {
        "input": [batch, 3, h, w],
        "output": [batch, 3, h, w],
        "cam_logit": [batch, 2],
        "heatmap": [batch, 1, h4, w4],
    }


def conv_layers(model: onnx.ModelProto) -> dict[str, str]:
    """Conv node name -> layer name, in graph order. Layer names are the generator's module paths
    (its state_dict keys without ``.weight``, e.g. ``UpBlock1_2.conv1``): what ``--keep-fp`` takes."""
    return {n.name: n.input[1].removeprefix("generator.").removesuffix(".weight")
            for n in model.graph.node if n.op_type == "Conv"}  # fmt: skip
