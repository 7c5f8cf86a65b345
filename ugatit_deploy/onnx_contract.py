"""The ONNX files' contract, shared by export, every runner and the C++ runner: graph I/O names and the
``ugatit`` function domain of the AdaILN / ILN nodes (and how to splice those functions away for
runtimes that cannot read ONNX local functions, such as OpenVINO's ONNX frontend)."""

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
