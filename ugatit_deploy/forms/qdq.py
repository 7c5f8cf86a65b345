"""What the INT8 Q/DQ forms share: calibrated static quantization of the convolutions, with layers kept in
float (``--keep-fp``) and the INT8 recipe (``transforms.int8_options.QuantRecipe``)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from ..core.errors import ExportError
from ..core.gates import Gate
from ..core.metadata import Quantization
from .base import BuildContext, FormGraph, GraphForm
from .transforms.int8 import float_layers, quantize
from .transforms.int8_options import QuantRecipe

if TYPE_CHECKING:
    import numpy as np
    import onnx

# Gated at 30 dB in the calibration domain (held-out images); natural photos are measured too.
QDQ_GATE = Gate(min_psnr_db=30.0)


class QdqForm(GraphForm):
    """An INT8 Q/DQ graph: subclasses set ``symmetric`` and ``weight_bits``."""

    gate = QDQ_GATE
    kernel = "int8"
    calibrated = True
    float_layers = True
    validated_on_holdout = True
    trt_weak_flags = ("INT8", "FP16")  # FP16 beside INT8 on weakly typed TensorRT

    def recipe(self, asked: QuantRecipe | None = None) -> QuantRecipe:
        """The recipe asked for, with this form's weight bits where none were asked."""
        assert self.weight_bits is not None
        return (asked or QuantRecipe()).with_bits(self.weight_bits)

    def quantize(self, base: onnx.ModelProto, batches: list[np.ndarray], folder: Path | None,
                 keep_fp: Sequence[str] = (), recipe: QuantRecipe | None = None) -> onnx.ModelProto:  # fmt: skip
        """``base`` quantized as this form, the ``keep_fp`` convolutions left in float."""
        return quantize(base, batches, self.symmetric, folder, keep_fp, self.recipe(recipe))

    def build(self, context: BuildContext) -> FormGraph:
        if context.calibration is None:
            raise ExportError(f"{self.name} needs calibration images")
        kept = list(context.keep_fp)
        floating = list(dict.fromkeys([*float_layers(context.base, context.float_rgb_out), *kept]))
        source = context.calibration.source
        if context.quantizes_itself:  # the format's own calibration: only the images are ours
            return FormGraph(context.base, Quantization(self.name, tuple(floating), tuple(kept), source))
        recipe = self.recipe(context.recipe)
        context.log(f"  calibrating {self.name} on {source}: {recipe.describe()}")
        # the calibration choices go into the record's free-text calibration field, beside the images
        quantization = Quantization(self.name, tuple(floating), tuple(kept), f"{source}; {recipe.describe()}")
        model = self.quantize(context.base, context.calibration.batches, context.folder, kept, recipe)
        return FormGraph(model, quantization)
