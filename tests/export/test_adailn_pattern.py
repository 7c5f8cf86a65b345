"""The AdaILN graph pattern (``export.adailn_pattern``): one ``ugatit`` node per norm with a local-function
body of native norms, or the bodies inlined."""

from __future__ import annotations

from collections import Counter

import onnx
import pytest

from ugatit_deploy.export import inline_norms

pytestmark = pytest.mark.slow  # its fixtures export or train (seconds each): not the inner loop


def test_each_norm_is_one_ugatit_node_with_a_local_function_body(tiny_exports):
    model = onnx.load(tiny_exports["light"]["fp32"])
    ops = Counter((n.domain, n.op_type) for n in model.graph.node)
    assert ops[("ugatit", "AdaILN")] == 2 * 2 and ops[("ugatit", "ILN")] == 2
    bodies = {f.name: Counter(n.op_type for n in f.node) for f in model.functions}
    assert set(bodies) == {"AdaILN", "ILN"}
    for body in bodies.values():
        assert body["InstanceNormalization"] == 1 and body["LayerNormalization"] == 1
        assert body["ReduceMean"] == 0  # no variance chain


def test_no_reducemean_variance_chain_in_either_mode(tiny_exports):
    function_mode = onnx.load(tiny_exports["light"]["fp32"])
    inline_mode = inline_norms(function_mode)
    for model in (function_mode, inline_mode):
        ops = [n.op_type for n in model.graph.node]
        # At most the CAM's and the light MLP's global average pools; no squared-deviation chain.
        assert ops.count("ReduceMean") <= 2 and "Pow" not in ops and "ReduceSumSquare" not in ops
    assert "Sqrt" not in [n.op_type for n in function_mode.graph.node]
    # inline: the only Sqrt are the two sqrt((N-1)/N) factors of each of the 6 norms
    assert [n.op_type for n in inline_mode.graph.node].count("Sqrt") == 2 * 6


def test_inline_mode_has_no_custom_domain_and_native_norms(tiny_exports):
    model = inline_norms(onnx.load(tiny_exports["light"]["fp32"]))
    assert {n.domain for n in model.graph.node} <= {"", "ai.onnx"}
    assert [o.domain for o in model.opset_import if o.domain] == []
    ops = Counter(n.op_type for n in model.graph.node)
    assert ops["LayerNormalization"] == 6 and ops["InstanceNormalization"] == 3 + 2 * 2 + 6
