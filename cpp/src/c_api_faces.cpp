// The faces part of the C API (include/ugatit_runner.h): the detector handle and the faces pipeline on files and
// on pixels in memory.
#include <cstdlib>
#include <cstring>
#include <string>

#include "c_api_internal.h"
#include "face_files.h"
#include "face_nets.h"
#include "face_pipeline.h"
#include "files.h"
#include "image_io.h"
#include "resource_limits.h"
#include "ugatit_runner.h"

namespace {

using ugatit::c_api::guarded;
using ugatit::c_api::require;
namespace faces = ugatit::faces;

char* duplicate(const std::string& text) {
    char* copy = static_cast<char*>(std::malloc(text.size() + 1));
    if (!copy) throw std::bad_alloc();
    std::memcpy(copy, text.c_str(), text.size() + 1);
    return copy;
}

void clear(char** record_json, char** note) {
    if (record_json) *record_json = nullptr;
    if (note) *note = nullptr;
}

// The record's JSON line and note, handed out only once both are allocated.
void hand_out(const faces::ImageFaces& record, char** record_json, char** note) {
    char* json = record_json ? duplicate(faces::to_json_line(record)) : nullptr;
    char* text = nullptr;
    if (note && !record.note.empty()) {
        try {
            text = duplicate(record.note);
        } catch (...) {
            std::free(json);
            throw;
        }
    }
    if (record_json) *record_json = json;
    if (note) *note = text;
}

faces::FaceMode checked_mode(int mode) {
    require(mode >= UGATIT_FACES_PASTE && mode <= UGATIT_FACES_CROPS,
            "mode must be UGATIT_FACES_PASTE, UGATIT_FACES_AUTO or UGATIT_FACES_CROPS");
    return static_cast<faces::FaceMode>(mode);
}

std::string file_name(const std::string& path) {
    const std::size_t slash = path.find_last_of('/');
    return slash == std::string::npos ? path : path.substr(slash + 1);
}

}  // namespace

extern "C" {

ugatit_status ugatit_faces_parse_mode(const char* name, int* mode) {
    return guarded([&] {
        require(name && mode, "name and mode must not be NULL");
        *mode = static_cast<int>(faces::parse_face_mode(name));
    });
}

ugatit_status ugatit_faces_create(const char* detector_dir, const char* device, int threads, ugatit_faces** out_faces) {
    if (out_faces) *out_faces = nullptr;
    return guarded([&] {
        require(out_faces != nullptr, "out_faces must not be NULL");
        require(threads >= 0, "threads must be 0 (the runtime's default) or more");
        const char* from_env = std::getenv(faces::kFacesDirEnv);
        const std::string folder = detector_dir && *detector_dir ? detector_dir : from_env ? from_env : "";
        require(!folder.empty(), "detector_dir is NULL and UGATIT_FACES_DIR is not set: give the face detector's "
                                 "folder (`ugatit-deploy export --with-faces` writes face_detector/ beside the model)");
        const std::vector<faces::DetectorFile> files = faces::read_detector(folder);
        ugatit::EngineOptions options;
        if (device && *device) options.device = device;
        options.threads = threads;
        auto handle = std::make_unique<ugatit_faces>();
        handle->detector = std::make_unique<faces::FaceDetector>(faces::open_openvino_face_nets(files, options));
        *out_faces = handle.release();
    });
}

void ugatit_faces_destroy(ugatit_faces* faces) {
    delete faces;
}

ugatit_status ugatit_runner_translate_faces_file(ugatit_runner* runner, ugatit_faces* faces, const char* input_path,
                                                 const char* output_path, int mode, const char* name,
                                                 char** record_json, char** note) {
    clear(record_json, note);
    return guarded([&] {
        require(runner && faces && input_path && output_path,
                "runner, faces, input_path and output_path must not be NULL");
        const faces::FaceMode face_mode = checked_mode(mode);
        ugatit::check_output_format(output_path);
        const ugatit::Image pixels = ugatit::read_image(input_path);
        const faces::FaceResult result = faces::process_faces(*runner->runner, *faces->detector, pixels,
                                                              name ? name : file_name(input_path), face_mode);
        const std::string target = output_path;
        const std::string stem = ugatit::replace_extension(target, "");
        for (const auto& [suffix, image] : result.images)
            ugatit::write_image(suffix.empty() ? target : stem + suffix + target.substr(stem.size()), image);
        hand_out(result.record, record_json, note);
    });
}

ugatit_status ugatit_runner_translate_faces(ugatit_runner* runner, ugatit_faces* faces, const unsigned char* rgb,
                                            int width, int height, size_t stride, unsigned char* out_rgb, int mode,
                                            const char* name, char** record_json, char** note) {
    clear(record_json, note);
    return guarded([&] {
        require(runner && faces && rgb && out_rgb, "runner, faces, rgb and out_rgb must not be NULL");
        const faces::FaceMode face_mode = checked_mode(mode);
        require(face_mode != faces::FaceMode::kCrops,
                "UGATIT_FACES_CROPS writes files: use ugatit_runner_translate_faces_file");
        require(width >= 1 && height >= 1, "width and height must be at least 1");
        require(stride / 3 >= static_cast<std::size_t>(width), "stride must be at least 3 x width");
        ugatit::check_image_size(width, height, "the image");
        ugatit::Image pixels(width, height);
        const std::size_t row = static_cast<std::size_t>(width) * 3;
        for (int y = 0; y < height; ++y) std::memcpy(&pixels.rgb[y * row], rgb + y * stride, row);
        const faces::FaceResult result =
            faces::process_faces(*runner->runner, *faces->detector, pixels, name ? name : "image", face_mode);
        const ugatit::Image& image = result.images.at(0).second;
        for (int y = 0; y < height; ++y) std::memcpy(out_rgb + y * stride, &image.rgb[y * row], row);
        hand_out(result.record, record_json, note);
    });
}

void ugatit_free(void* pointer) {
    std::free(pointer);
}

}  // extern "C"
