"""A graph form that does not exist, added the way "Adding a precision" says: one module with a ``GraphForm``
subclass (what a new file in ``ugatit_deploy/forms/`` holds) and its instance in the registry. Its graph is
the FP32 graph with an Identity after the input: a real rewrite that keeps every value, so it validates as
FP32-grade everywhere and needs nothing installed."""

from __future__ import annotations

import onnx

from ugatit_deploy.core.gates import Gate
from ugatit_deploy.core.onnx_contract import INPUT_NAME
from ugatit_deploy.forms import BuildContext, FormGraph, GraphForm


class Fp32Planted(GraphForm):
    name = "fp32-planted"
    summary = "float32 with an Identity after the input (a form planted by the tests)"
    gate = Gate(min_psnr_db=70.0, max_abs=1e-3)
    fp32_grade = True
    computes = ("bf16",)
    cpu_candidate = True
    not_for_tensorrt = "a planted form: TensorRT never sees it"

    def build(self, context: BuildContext) -> FormGraph:
        model = onnx.ModelProto()
        model.CopyFrom(context.base)
        graph = model.graph
        for node in graph.node:
            node.input[:] = ["planted_input" if name == INPUT_NAME else name for name in node.input]
        graph.node.insert(0, onnx.helper.make_node("Identity", [INPUT_NAME], ["planted_input"], name="planted"))
        context.log(f"  {self.name}: an Identity after the input")
        return FormGraph(model)


PLANTED = Fp32Planted()
