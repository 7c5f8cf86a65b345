#include <cstdio>
#include <cstring>
#include <vector>

#include "check.h"
#include "engine.h"
#include "files.h"
#include "image_io.h"
#include "sha256.h"
#include "tensor.h"
#include "ugatit_runner.h"

namespace {

bool mentions(const char* fragment) {
    return std::strstr(ugatit_last_error(), fragment) != nullptr;
}

void basics() {
    CHECK(std::strlen(ugatit_version()) > 0);
    CHECK(ugatit_has_tensorrt() == 0 || ugatit_has_tensorrt() == 1);
    ugatit_runner_destroy(nullptr);
}

void create() {
    ugatit_runner* runner = reinterpret_cast<ugatit_runner*>(&runner);  // must be reset to NULL on failure
    CHECK_EQ(ugatit_runner_create(nullptr, &runner), UGATIT_ERROR_INVALID_ARGUMENT);
    CHECK(runner == nullptr && mentions("must not be NULL"));
    CHECK_EQ(ugatit_runner_create(test::temp_path("none.plan").c_str(), &runner), UGATIT_ERROR_METADATA);
    CHECK(mentions("no metadata sidecar test-output-none.plan.json"));

    test::write_text(test::temp_path("broken.plan.json"), "{\"schema\": \"ugatit-deploy/artifact\", \"schema_version\": 3}");
    CHECK_EQ(ugatit_runner_create(test::temp_path("broken.plan").c_str(), &runner), UGATIT_ERROR_METADATA);
    CHECK(mentions("schema_version 3 is newer"));

    test::write_text(test::temp_path("engine.plan.json"), ugatit::read_text_file(test::data_path("plan_fp16.json")));
    test::write_text(test::temp_path("engine.plan"), "not a real plan");
    const ugatit_status status = ugatit_runner_create(test::temp_path("engine.plan").c_str(), &runner);
    if (!ugatit_has_tensorrt()) {
        CHECK_EQ(status, UGATIT_ERROR_UNAVAILABLE);
        CHECK(mentions("built without TensorRT"));
    } else {
        CHECK_EQ(status, UGATIT_ERROR_ENGINE);  // the sidecar is fine, the plan is not
    }
    CHECK(runner == nullptr);
    for (const char* name : {"broken.plan.json", "engine.plan.json", "engine.plan"}) std::remove(test::temp_path(name).c_str());
}

// The sidecar text with its sha256 and size_bytes rewritten to describe `path` (someone made the file so).
std::string describing(std::string sidecar, const std::string& path) {
    const std::string hash_key = "\"sha256\": \"";
    sidecar.replace(sidecar.rfind(hash_key) + hash_key.size(), 64, ugatit::file_sha256(path));  // the file's, not the source's
    const std::string size_key = "\"size_bytes\": ";
    const std::size_t at = sidecar.find(size_key) + size_key.size();
    sidecar.replace(at, sidecar.find_first_not_of("0123456789", at) - at,
                    std::to_string(ugatit::read_binary_file(path).size()));
    return sidecar;
}

// The artifact picks the engine: an ONNX file goes to OpenVINO, a plan beside its ONNX's sidecar (trtexec)
// to TensorRT, an MNN model nowhere.
void engine_choice() {
    ugatit_runner* runner = nullptr;
    const std::string onnx_sidecar = ugatit::read_text_file(test::data_path("onnx_fp16.json"));
    test::write_text(test::temp_path("model.onnx.json"), onnx_sidecar);  // "normalization": "adailn-function"
    test::write_text(test::temp_path("model.onnx"), "not a real ONNX file");
    CHECK(ugatit_runner_create(test::temp_path("model.onnx").c_str(), &runner) != UGATIT_OK);
    CHECK(ugatit_has_openvino() ? mentions("export it with `ugatit-deploy export --adailn inline`")
                                : mentions("without OpenVINO"));
    std::string inline_sidecar = onnx_sidecar;
    inline_sidecar.replace(inline_sidecar.find("adailn-function"), 15, "adailn-inline");
    test::write_text(test::temp_path("model.onnx.json"), inline_sidecar);
    CHECK(ugatit_runner_create(test::temp_path("model.onnx").c_str(), &runner) != UGATIT_OK);
    CHECK(ugatit_has_openvino() ? mentions("test-output-model.onnx does not match the sha256 its sidecar records")
                                : mentions("without OpenVINO"));
    std::string without_hash = inline_sidecar;  // fields deleted: refused, not skipped
    for (const char* field : {"\"sha256\": \"", "\"size_bytes\""}) without_hash.replace(without_hash.rfind(field), 3, "\"x_");
    test::write_text(test::temp_path("model.onnx.json"), without_hash);
    CHECK(ugatit_runner_create(test::temp_path("model.onnx").c_str(), &runner) != UGATIT_OK);
    CHECK(ugatit_has_openvino() ? mentions("its sidecar records no sha256 / size_bytes") : mentions("without OpenVINO"));
    test::write_text(test::temp_path("model.onnx.json"), describing(inline_sidecar, test::temp_path("model.onnx")));
    CHECK(ugatit_runner_create(test::temp_path("model.onnx").c_str(), &runner) != UGATIT_OK);
    CHECK(ugatit_has_openvino() ? mentions("openvino cannot read test-output-model.onnx: ") : mentions("without OpenVINO"));

    test::write_text(test::temp_path("model.plan"), "not a real plan");  // no model.plan.json: model.onnx.json
    CHECK(ugatit_runner_create(test::temp_path("model.plan").c_str(), &runner) != UGATIT_OK);
    CHECK(ugatit_has_tensorrt() ? !mentions("openvino") : mentions("built without TensorRT"));

    std::string mnn = onnx_sidecar;
    mnn.replace(mnn.find("\"kind\": \"onnx\""), 14, "\"kind\": \"mnn\"");
    test::write_text(test::temp_path("model.mnn.json"), mnn);
    CHECK_EQ(ugatit_runner_create(test::temp_path("model.mnn").c_str(), &runner), UGATIT_ERROR_UNAVAILABLE);
    CHECK(mentions("is an MNN model: the C++ runner runs ONNX files (OpenVINO) and TensorRT plans"));
    CHECK(runner == nullptr);
    for (const char* name : {"model.onnx.json", "model.onnx", "model.plan", "model.mnn.json"})
        std::remove(test::temp_path(name).c_str());
}

void pre_and_post_processing() {
    ugatit::Image image(4, 2);
    for (std::size_t i = 0; i < image.rgb.size(); ++i) image.rgb[i] = static_cast<std::uint8_t>(i * 10);
    const std::string input = test::temp_path("capi.ppm"), output = test::temp_path("capi-out.ppm");
    ugatit::write_image(input, image);

    std::vector<float> chw(3 * 2 * 4);
    CHECK_EQ(ugatit_preprocess_file(input.c_str(), 2, 4, chw.data(), chw.size() - 1), UGATIT_ERROR_INVALID_ARGUMENT);
    CHECK(mentions("out_count is smaller"));
    CHECK_EQ(ugatit_preprocess_file(input.c_str(), 2, 4, chw.data(), chw.size()), UGATIT_OK);
    CHECK(std::strlen(ugatit_last_error()) == 0);
    CHECK(chw[0] == ugatit::pixel_to_float(0) && chw[8] == ugatit::pixel_to_float(10));  // R then G planes
    CHECK_EQ(ugatit_preprocess_file(input.c_str(), 0, 4, chw.data(), chw.size()), UGATIT_ERROR_INVALID_ARGUMENT);
    CHECK_EQ(ugatit_preprocess_file(test::temp_path("absent.png").c_str(), 2, 4, chw.data(), chw.size()),
             UGATIT_ERROR_IO);
    test::write_text(test::temp_path("garbage.png"), "garbage");
    CHECK_EQ(ugatit_preprocess_file(test::temp_path("garbage.png").c_str(), 2, 4, chw.data(), chw.size()),
             UGATIT_ERROR_IMAGE);

    CHECK_EQ(ugatit_postprocess_to_file(chw.data(), 2, 4, output.c_str()), UGATIT_OK);
    CHECK(ugatit::read_image(output).rgb == image.rgb);
    CHECK_EQ(ugatit_postprocess_to_file(chw.data(), 2, 4, test::temp_path("x.tiff").c_str()),
             UGATIT_ERROR_INVALID_ARGUMENT);
    for (const std::string& path : {input, output, test::temp_path("garbage.png")}) std::remove(path.c_str());
}

}  // namespace

void c_api_tests() {
    basics();
    create();
    engine_choice();
    pre_and_post_processing();
}
