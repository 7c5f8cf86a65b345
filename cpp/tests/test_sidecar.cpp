#include <cstdio>

#include "check.h"
#include "files.h"
#include "sidecar.h"

using ugatit::Sidecar;

namespace {

std::string golden(const std::string& name) {
    return ugatit::read_text_file(test::data_path(name));
}

// The golden text with one exact substring replaced (the substring must be there).
std::string edited(const std::string& name, const std::string& from, const std::string& to) {
    std::string text = golden(name);
    const std::size_t at = text.find(from);
    test::record(at != std::string::npos, __FILE__, __LINE__, "golden file " + name + " contains " + from);
    if (at != std::string::npos) text.replace(at, from.size(), to);
    return text;
}

void onnx_sidecar() {
    const Sidecar s = ugatit::parse_sidecar(golden("onnx_fp16.json"), "onnx_fp16.json");
    CHECK_STR(s.kind, "onnx");
    CHECK_STR(s.precision, "fp16");
    CHECK_STR(s.direction, "a2b");
    CHECK_EQ(s.schema_version, 1);
    CHECK_EQ(s.model.ngf, 8);
    CHECK_EQ(s.model.n_blocks, 4);
    CHECK_EQ(s.model.img_size, 64);
    CHECK(s.model.light);
    CHECK_STR(s.input.name, "input");
    CHECK_EQ(s.input.shape.size(), 4u);
    CHECK(s.input.shape[0].dynamic() && s.input.shape[0].symbol == "batch");
    CHECK(!s.input.shape[1].dynamic() && s.input.shape[1].value == 3);
    CHECK(s.input.shape[2].dynamic() && s.input.shape[3].symbol == "width");
    CHECK_EQ(s.output_names.size(), 1u);
    CHECK_STR(s.output_names.at(0), "output");
    CHECK(!s.tensorrt.has_value());
}

void plan_sidecar() {
    const Sidecar s = ugatit::parse_sidecar(golden("plan_fp16.json"), "plan_fp16.json");
    CHECK_STR(s.kind, "tensorrt-plan");
    CHECK(s.tensorrt.has_value());
    if (!s.tensorrt) return;
    CHECK_STR(s.tensorrt->version, "10.3.0");
    CHECK_STR(s.tensorrt->compute_capability, "8.7");
    CHECK_STR(s.tensorrt->gpu, "Orin");
    CHECK(!s.tensorrt->version_compatible);
    CHECK_STR(ugatit::shape_to_string(s.tensorrt->profile.min), "1x3x64x64");
    CHECK_STR(ugatit::shape_to_string(s.tensorrt->profile.opt), "1x3x64x64");
    CHECK_STR(ugatit::shape_to_string(s.tensorrt->profile.max), "8x3x64x64");
}

void invalid_sidecars() {
    using ugatit::parse_sidecar;
    CHECK_THROWS(parse_sidecar(edited("onnx_fp16.json", "ugatit-deploy/artifact", "something-else"), "m.json"),
                 "m.json: not ugatit-deploy artifact metadata (schema \"ugatit-deploy/artifact\" expected)");
    CHECK_THROWS(parse_sidecar("[1, 2]", "m.json"), "m.json: not ugatit-deploy artifact metadata");
    CHECK_THROWS(parse_sidecar(edited("onnx_fp16.json", "\"schema_version\": 1", "\"schema_version\": 2"), "m.json"),
                 "m.json: metadata schema_version 2 is newer than this runner reads (1)");
    CHECK_THROWS(
        parse_sidecar(edited("onnx_fp16.json", "\"schema_version\": 1", "\"schema_version\": \"1\""), "m.json"),
        "field schema_version must be a positive integer, got a string");
    CHECK_THROWS(parse_sidecar(edited("onnx_fp16.json", "\"schema_version\": 1", "\"schema_version\": 1.0"), "m.json"),
                 "field schema_version must be a positive integer, got a number");
    CHECK_THROWS(parse_sidecar(edited("onnx_fp16.json", "\"img_size\"", "\"size\""), "m.json"),
                 "m.json: missing field model.img_size");
    CHECK_THROWS(parse_sidecar(edited("onnx_fp16.json", "\"light\": true", "\"light\": 1"), "m.json"),
                 "field model.light must be a boolean, got a number");
    CHECK_THROWS(parse_sidecar(edited("onnx_fp16.json", "\"ngf\": 8", "\"ngf\": -8"), "m.json"),
                 "field model.ngf must be a positive integer");
    CHECK_THROWS(parse_sidecar(edited("onnx_fp16.json", "\"kind\": \"onnx\"", "\"kind\": \"tflite\""), "m.json"),
                 "unknown kind \"tflite\" (one of onnx, tensorrt-plan, mnn, ncnn expected)");
    CHECK_THROWS(
        parse_sidecar(edited("onnx_fp16.json", "\"precision\": \"fp16\",\n  \"normalization\"", "\"normalization\""),
                      "m.json"),
        "missing field precision");
    CHECK_THROWS(parse_sidecar(edited("onnx_fp16.json", "\"name\": \"input\"", "\"nom\": \"input\""), "m.json"),
                 "missing field io.input.name");
    CHECK_THROWS(parse_sidecar(edited("onnx_fp16.json", "\"batch\",\n        3,", "\"batch\","), "m.json"),
                 "field io.input.shape must have 4 dims");
    CHECK_THROWS(parse_sidecar(edited("onnx_fp16.json", "\"name\": \"output\"", "\"name\": 7"), "m.json"),
                 "field io.outputs[0].name must be a string, got a number");
    CHECK_THROWS(parse_sidecar(edited("plan_fp16.json", "\"tensorrt\": {", "\"tensorrt_info\": {"), "p.json"),
                 "p.json: missing field tensorrt");
    CHECK_THROWS(parse_sidecar(edited("plan_fp16.json", "\"compute_capability\": \"8.7\",", ""), "p.json"),
                 "missing field tensorrt.compute_capability");
    CHECK_THROWS(parse_sidecar(edited("plan_fp16.json", "\"min\": [\n        1,", "\"min\": [\n        9,"), "p.json"),
                 "field tensorrt.profile needs min <= opt <= max in every dim, got min 9x3x64x64");
    CHECK_THROWS(parse_sidecar(edited("plan_fp16.json", "\"max\": [", "\"max\": [\"batch\", "), "p.json"),
                 "field tensorrt.profile.max must have 4 dims");
    CHECK_THROWS(parse_sidecar(edited("onnx_fp16.json", "\"opset\": 18,", "\"opset\": 18,,"), "m.json"),
                 "m.json: invalid JSON at line");
}

void files_beside_artifacts() {
    CHECK_STR(ugatit::sidecar_path("dir/model.plan"), "dir/model.plan.json");
    CHECK_STR(ugatit::sidecar_path("model"), "model.json");
    CHECK_STR(ugatit::sidecar_path("x/run_a2b_fp16.v2.onnx"), "x/run_a2b_fp16.v2.onnx.json");
    CHECK_THROWS(
        ugatit::read_sidecar(test::temp_path("absent.plan")),
        "no metadata sidecar test-output-absent.plan.json beside test-output-absent.plan: not an ugatit-deploy artifact");
    test::write_text(test::temp_path("model.plan.json"), golden("plan_fp16.json"));
    const Sidecar s = ugatit::read_sidecar(test::temp_path("model.plan"));
    CHECK_STR(s.where, "test-output-model.plan.json");
    CHECK_STR(s.kind, "tensorrt-plan");
    std::remove(test::temp_path("model.plan.json").c_str());
    // A plan built by trtexec beside the exported ONNX uses the ONNX's sidecar.
    test::write_text(test::temp_path("trtexec.onnx.json"), golden("onnx_fp16.json"));
    const Sidecar from_onnx = ugatit::read_sidecar(test::temp_path("trtexec.plan"));
    CHECK_STR(from_onnx.where, "test-output-trtexec.onnx.json");
    CHECK_STR(from_onnx.kind, "onnx");
    std::remove(test::temp_path("trtexec.onnx.json").c_str());
}

}  // namespace

void sidecar_tests() {
    onnx_sidecar();
    plan_sidecar();
    invalid_sidecars();
    files_beside_artifacts();
}
