"""`export --triton-repo`: a model repository whose config parses with Triton's own ModelConfig schema
and matches the exported graph's I/O."""

from __future__ import annotations

from dataclasses import replace

import onnx
import pytest
from click.testing import CliRunner
from support.models import TINY, make_generator
from support.records import plan_build

from ugatit_deploy import save_generator
from ugatit_deploy.cli import main
from ugatit_deploy.core.metadata import read_sidecar, write_sidecar
from ugatit_deploy.export.triton import TritonError, write_triton_repo

pytestmark = pytest.mark.slow  # its fixtures export or train (seconds each): not the inner loop

model_config_pb2 = pytest.importorskip("tritonclient.grpc.model_config_pb2", reason="tritonclient is not installed")
text_format = pytest.importorskip("google.protobuf.text_format")


def _parse(folder):
    return text_format.Parse((folder / "config.pbtxt").read_text(), model_config_pb2.ModelConfig())


def _graph_io(path):
    graph = onnx.load(str(path)).graph

    def dims(value):
        return [d.dim_value if d.HasField("dim_value") else -1 for d in value.type.tensor_type.shape.dim]

    return {v.name: dims(v) for v in list(graph.input) + list(graph.output)}


@pytest.fixture(scope="module")
def repo(tmp_path_factory):
    root = tmp_path_factory.mktemp("triton")
    ckpt = root / "tiny.pt"
    save_generator(make_generator(TINY), ckpt)
    args = ["export", "--ckpt", str(ckpt), "--out", str(root / "exports"), "--outputs", "all",
            "--triton-repo", str(root / "repo"), "--triton-max-batch", "16"]  # fmt: skip
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    return root


def test_config_parses_with_tritons_schema_and_matches_the_onnx(repo):
    folder = repo / "repo" / "tiny_a2b_fp32"
    config = _parse(folder)
    assert config.name == "tiny_a2b_fp32" and config.platform == "onnxruntime_onnx"
    assert config.max_batch_size == 16
    assert list(config.dynamic_batching.preferred_batch_size) == [4, 8]
    graph = _graph_io(folder / "1" / "model.onnx")
    served = {t.name: [-1, *t.dims] for t in [*config.input, *config.output]}  # Triton adds the batch axis
    assert served == graph  # names and shapes: input, output, cam_logit, heatmap; dynamic H/W as -1
    assert all(t.data_type == model_config_pb2.TYPE_FP32 for t in [*config.input, *config.output])
    assert list(config.input[0].dims) == [3, -1, -1]


def test_the_model_file_is_the_export_with_its_sidecar(repo):
    version = repo / "repo" / "tiny_a2b_fp32" / "1"
    assert (version / "model.onnx").read_bytes() == (repo / "exports" / "tiny_a2b_fp32.onnx").read_bytes()
    assert read_sidecar(version / "model.onnx").precision == "fp32"


def test_a_static_batch_graph_has_no_triton_batching(tmp_path, repo):
    static = tmp_path / "static.onnx"
    CliRunner().invoke(main, ["export", "--ckpt", str(repo / "tiny.pt"), "--out", str(static), "--static"])
    config = _parse(write_triton_repo(static, tmp_path / "repo"))
    assert config.max_batch_size == 0 and not config.HasField("dynamic_batching")
    assert list(config.input[0].dims) == [1, 3, -1, -1]


def test_a_plan_becomes_a_tensorrt_model(tmp_path, repo):
    source = repo / "exports" / "tiny_a2b_fp32.onnx"
    plan = tmp_path / "tiny.plan"
    plan.write_bytes(b"PLAN")
    write_sidecar(replace(read_sidecar(source), kind="tensorrt-plan", tensorrt=plan_build()), plan)
    folder = write_triton_repo(plan, tmp_path / "repo", gpus=2)
    config = _parse(folder)
    assert config.platform == "tensorrt_plan" and (folder / "1" / "model.plan").read_bytes() == b"PLAN"
    assert (
        config.instance_group[0].count == 2
        and config.instance_group[0].kind == model_config_pb2.ModelInstanceGroup.KIND_GPU
    )


def test_bad_requests_are_refused(tmp_path, repo):
    with pytest.raises(TritonError, match="--triton-max-batch must be >= 1"):
        write_triton_repo(repo / "exports" / "tiny_a2b_fp32.onnx", tmp_path, max_batch=0)
