// ugatit-infer --model MODEL --in IMAGE|DIR --out DIR [--keep-size] [--device CPU] [--threads N]:
// translate image files with an ONNX file (OpenVINO) or a TensorRT plan, as `ugatit-deploy infer` does.
// Uses the C API, as an application would.
#include <algorithm>
#include <unistd.h>

#include <cctype>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "cli.h"
#include "ugatit_runner.h"

namespace fs = std::filesystem;

namespace {

const char* kProgram = "ugatit-infer";
const char* kSynopsis =
    "--model MODEL.onnx|MODEL.plan --in IMAGE|DIR --out DIR [--keep-size] [--device CPU] [--threads N] "
    "[--max-image-pixels N] [--max-image-side N] [--max-model-size N] [--max-batch N]";

// The options of ugatit_deploy/core/limits.json; each sets the limit of the same name (ugatit_set_limit).
const char* kLimitOptions[] = {"--max-image-pixels", "--max-image-side", "--max-model-size", "--max-batch"};

bool is_limit_option(const char* argument) {
    return std::any_of(std::begin(kLimitOptions), std::end(kLimitOptions),
                       [&](const char* option) { return std::strcmp(argument, option) == 0; });
}

// "--max-image-side" "4096" -> ugatit_set_limit("max_image_side", 4096); false with the error printed.
bool set_limit_option(const char* option, const char* text) {
    long long value = 0;
    if (!ugatit_cli::parse_limit(text, &value)) {
        ugatit_cli::fail(kProgram, std::string(option) + " must be a positive integer, got '" + text + "'");
        return false;
    }
    std::string name = option + 2;
    std::replace(name.begin(), name.end(), '-', '_');
    if (ugatit_set_limit(name.c_str(), value) != UGATIT_OK) {
        ugatit_cli::fail(kProgram, ugatit_last_error());
        return false;
    }
    return true;
}

// ugatit_deploy.core.imaging.IMAGE_EXTENSIONS: the files a folder contributes (this runner decodes PNG, JPEG, PPM/PGM).
const char* kImageExtensions[] = {".jpg", ".jpeg", ".png", ".ppm", ".bmp", ".pgm", ".tif", ".tiff", ".webp"};

bool is_image(const fs::path& path) {
    std::string extension = path.extension().string();
    std::transform(extension.begin(), extension.end(), extension.begin(), [](unsigned char c) { return std::tolower(c); });
    return std::any_of(std::begin(kImageExtensions), std::end(kImageExtensions),
                       [&](const char* known) { return extension == known; });
}

// (image, output name relative to --out) as ugatit_deploy.inference.collect_inputs: a folder recursively
// and sorted, names with .png, a repeated name numbered _2, _3, ...
std::vector<std::pair<fs::path, fs::path>> collect(const fs::path& input) {
    std::vector<std::pair<fs::path, fs::path>> found;
    if (fs::is_directory(input)) {
        std::vector<fs::path> files;
        for (const auto& entry : fs::recursive_directory_iterator(input)) {
            if (entry.is_regular_file() && is_image(entry.path())) files.push_back(entry.path());
        }
        std::sort(files.begin(), files.end());
        for (const fs::path& file : files) found.emplace_back(file, fs::relative(file, input).replace_extension(".png"));
    } else {
        found.emplace_back(input, input.filename().replace_extension(".png"));
    }
    std::vector<fs::path> names;
    for (auto& [source, name] : found) {
        fs::path candidate = name;
        for (int index = 2; std::find(names.begin(), names.end(), candidate) != names.end(); ++index) {
            candidate = name.parent_path() / (name.stem().string() + "_" + std::to_string(index) + name.extension().string());
        }
        names.push_back(candidate);
        name = candidate;
    }
    return found;
}

}  // namespace

int main(int argc, char** argv) {
    if (ugatit_cli::wants_help(argc, argv)) {
        std::printf("usage: %s %s\n\n"
                    "Translates an image, or every image of a folder (recursively), into DIR as PNG files with the\n"
                    "same relative names, with the pre- and post-processing of `ugatit-deploy infer`.\n\n"
                    "  --model      an ONNX file from `ugatit-deploy export --adailn inline` (runs on OpenVINO) or a\n"
                    "               TensorRT plan; its metadata sidecar (MODEL.json) must sit beside it\n"
                    "  --in         an image file or a folder of images (PNG, JPEG, PPM/PGM)\n"
                    "  --out        the output folder (created if missing)\n"
                    "  --keep-size  resize each result back to its input's size\n"
                    "  --device     OpenVINO device: CPU (default), GPU, NPU, AUTO, ...\n"
                    "  --threads    OpenVINO inference threads (default: OpenVINO's choice)\n"
                    "  --max-image-pixels, --max-image-side, --max-model-size, --max-batch N\n"
                    "               raise (or lower) a resource limit, as UGATIT_MAX_IMAGE_PIXELS, ... do\n",
                    kProgram, kSynopsis);
        return 0;
    }
    const char* model = nullptr;
    const char* input = nullptr;
    const char* out = nullptr;
    const char* device = "CPU";
    int threads = 0;
    bool keep_size = false;
    for (int i = 1; i < argc; ++i) {
        const bool has_value = i + 1 < argc;
        if (std::strcmp(argv[i], "--model") == 0 && has_value) {
            model = argv[++i];
        } else if (std::strcmp(argv[i], "--in") == 0 && has_value) {
            input = argv[++i];
        } else if (std::strcmp(argv[i], "--out") == 0 && has_value) {
            out = argv[++i];
        } else if (std::strcmp(argv[i], "--device") == 0 && has_value) {
            device = argv[++i];
        } else if (std::strcmp(argv[i], "--threads") == 0 && has_value) {
            if (!ugatit_cli::parse_size(argv[++i], &threads) || threads > 1024)
                return ugatit_cli::fail(kProgram, std::string("--threads must be 1..1024, got ") + argv[i]);
        } else if (std::strcmp(argv[i], "--keep-size") == 0) {
            keep_size = true;
        } else if (is_limit_option(argv[i]) && has_value) {
            if (!set_limit_option(argv[i], argv[i + 1])) return 1;
            ++i;
        } else {
            return ugatit_cli::fail(kProgram, std::string("unexpected argument ") + argv[i] + " (see --help)");
        }
    }
    if (!model || !input || !out) return ugatit_cli::usage(kProgram, kSynopsis);
    std::error_code error;
    if (!fs::exists(input, error)) return ugatit_cli::fail(kProgram, std::string("input not found: ") + input);
    const std::vector<std::pair<fs::path, fs::path>> work = collect(input);
    if (work.empty()) return ugatit_cli::fail(kProgram, std::string("no images in ") + input);

    ugatit_runner* runner = nullptr;
    if (ugatit_runner_create_on(model, device, threads, &runner) != UGATIT_OK)
        return ugatit_cli::fail(kProgram, ugatit_last_error());
    fs::create_directories(out, error);
    if (error || !fs::is_directory(out) || ::access(out, W_OK) != 0) {
        ugatit_runner_destroy(runner);
        const std::string why = error ? error.message() : !fs::is_directory(out) ? "a file has that name" : "not writable";
        return ugatit_cli::fail(kProgram, std::string("cannot write to the output folder ") + out + ": " + why);
    }
    int failed = 0, written = 0;
    for (const auto& [source, name] : work) {
        const fs::path target = fs::path(out) / name;
        fs::create_directories(target.parent_path(), error);
        const ugatit_status status = ugatit_runner_translate_file(runner, source.c_str(), target.c_str(), keep_size);
        if (status == UGATIT_OK) {
            ++written;
        } else {
            ++failed;
            ugatit_cli::fail(kProgram, ugatit_last_error());
        }
    }
    ugatit_runner_destroy(runner);
    std::printf("translated %d image%s into %s%s\n", written, written == 1 ? "" : "s", out,
                failed ? (", " + std::to_string(failed) + " failed").c_str() : "");
    return failed ? 1 : 0;
}
