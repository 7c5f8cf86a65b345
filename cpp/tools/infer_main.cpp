// ugatit-infer --model MODEL --in IMAGE|DIR --out DIR [--keep-size] [--faces [MODE]] [--faces-dir DIR]
// [--device CPU] [--threads N]: translate image files with an ONNX file (OpenVINO) or a TensorRT plan, as
// `ugatit-deploy infer` does; with --faces, the faces of each photo as `ugatit-deploy infer --faces` does.
// Uses the C API, as an application would.
#include <algorithm>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
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
    "--model MODEL.onnx|MODEL.plan --in IMAGE|DIR --out DIR [--keep-size] [--faces [paste|auto|crops]] "
    "[--faces-dir DIR] [--device CPU] [--threads N] [--max-image-pixels N] [--max-image-side N] "
    "[--max-model-size N] [--max-batch N]";

using Work = std::vector<std::pair<fs::path, fs::path>>;

struct Options {
    const char* model = nullptr;
    const char* input = nullptr;
    const char* out = nullptr;
    const char* device = "CPU";
    const char* faces_dir = nullptr;
    int threads = 0;
    bool keep_size = false;
    bool faces = false;
    int mode = UGATIT_FACES_PASTE;
    std::string mode_name = "paste";
};

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
Work collect(const fs::path& input) {
    Work found;
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

void print_help() {
    std::printf("usage: %s %s\n\n"
                "Translates an image, or every image of a folder (recursively), into DIR as PNG files with the\n"
                "same relative names, with the pre- and post-processing of `ugatit-deploy infer`.\n\n"
                "  --model      an ONNX file from `ugatit-deploy export --adailn inline` (runs on OpenVINO) or a\n"
                "               TensorRT plan; its metadata sidecar (MODEL.json) must sit beside it\n"
                "  --in         an image file or a folder of images (PNG, JPEG, PPM/PGM)\n"
                "  --out        the output folder (created if missing)\n"
                "  --keep-size  resize each result back to its input's size\n"
                "  --faces      translate the faces of each photo, as `ugatit-deploy infer --faces`: found, aligned,\n"
                "               translated and pasted back (paste, the default); auto: a photo without a face is\n"
                "               translated whole; crops: write the translated faces, NAME_face1.png, ...; boxes and\n"
                "               landmarks go to DIR/faces.jsonl\n"
                "  --faces-dir  the face detector's files (default: $UGATIT_FACES_DIR, else face_detector/ beside\n"
                "               the model, where `ugatit-deploy export --with-faces` writes them)\n"
                "  --device     OpenVINO device: CPU (default), GPU, NPU, AUTO, ...\n"
                "  --threads    OpenVINO inference threads (default: OpenVINO's choice)\n"
                "  --max-image-pixels, --max-image-side, --max-model-size, --max-batch N\n"
                "               raise (or lower) a resource limit, as UGATIT_MAX_IMAGE_PIXELS, ... do\n",
                kProgram, kSynopsis);
}

// --faces [MODE]: a following word that is not an option is its mode.
bool parse_faces(int argc, char** argv, int& i, Options& options) {
    options.faces = true;
    if (i + 1 >= argc || argv[i + 1][0] == '-') return true;
    options.mode_name = argv[++i];
    if (ugatit_faces_parse_mode(argv[i], &options.mode) == UGATIT_OK) return true;
    ugatit_cli::fail(kProgram, ugatit_last_error());
    return false;
}

// 0 when the options were read; else the exit code (the error printed).
int parse(int argc, char** argv, Options& options) {
    for (int i = 1; i < argc; ++i) {
        const bool has_value = i + 1 < argc;
        if (std::strcmp(argv[i], "--model") == 0 && has_value) {
            options.model = argv[++i];
        } else if (std::strcmp(argv[i], "--in") == 0 && has_value) {
            options.input = argv[++i];
        } else if (std::strcmp(argv[i], "--out") == 0 && has_value) {
            options.out = argv[++i];
        } else if (std::strcmp(argv[i], "--device") == 0 && has_value) {
            options.device = argv[++i];
        } else if (std::strcmp(argv[i], "--faces-dir") == 0 && has_value) {
            options.faces_dir = argv[++i];
        } else if (std::strcmp(argv[i], "--threads") == 0 && has_value) {
            if (!ugatit_cli::parse_size(argv[++i], &options.threads) || options.threads > 1024)
                return ugatit_cli::fail(kProgram, std::string("--threads must be 1..1024, got ") + argv[i]);
        } else if (std::strcmp(argv[i], "--keep-size") == 0) {
            options.keep_size = true;
        } else if (std::strcmp(argv[i], "--faces") == 0) {
            if (!parse_faces(argc, argv, i, options)) return 2;
        } else if (is_limit_option(argv[i]) && has_value) {
            if (!set_limit_option(argv[i], argv[i + 1])) return 1;
            ++i;
        } else {
            return ugatit_cli::fail(kProgram, std::string("unexpected argument ") + argv[i] + " (see --help)");
        }
    }
    if (!options.model || !options.input || !options.out) return ugatit_cli::usage(kProgram, kSynopsis);
    return 0;
}

// --faces-dir, else $UGATIT_FACES_DIR, else face_detector/ beside the model (as `ugatit-deploy infer --faces`).
std::string faces_folder(const Options& options) {
    if (options.faces_dir) return options.faces_dir;
    const char* from_env = std::getenv("UGATIT_FACES_DIR");
    if (from_env && *from_env) return from_env;
    return (fs::path(options.model).parent_path() / "face_detector").string();
}

bool write_atomically(const fs::path& path, const std::string& text) {
    const fs::path temporary = path.string() + ".tmp" + std::to_string(static_cast<long>(::getpid()));
    std::FILE* file = std::fopen(temporary.c_str(), "wb");
    if (!file) return false;
    const bool written = std::fwrite(text.data(), 1, text.size(), file) == text.size();
    if (std::fclose(file) != 0 || !written || std::rename(temporary.c_str(), path.c_str()) != 0) {
        std::remove(temporary.c_str());
        return false;
    }
    return true;
}

// Each photo through the faces pipeline; OUT/faces.jsonl gets one line per photo read, and each photo's note
// goes to stderr as "NAME: NOTE" (ugatit_deploy/cli/infer.py's _write_faces). The number of failures.
int translate_faces(ugatit_runner* runner, ugatit_faces* faces, const Options& options, const Work& work) {
    int failed = 0;
    std::string lines;
    std::vector<std::string> notes;
    for (const auto& [source, name] : work) {
        const fs::path target = fs::path(options.out) / name;
        const std::string record_name = fs::path(name).replace_extension(source.extension()).string();
        std::error_code error;
        fs::create_directories(target.parent_path(), error);
        char* record = nullptr;
        char* note = nullptr;
        if (ugatit_runner_translate_faces_file(runner, faces, source.c_str(), target.c_str(), options.mode,
                                               record_name.c_str(), &record, &note) != UGATIT_OK) {
            ++failed;
            ugatit_cli::fail(kProgram, ugatit_last_error());
            continue;
        }
        lines += std::string(record) + "\n";
        if (note) notes.push_back(record_name + ": " + note);
        ugatit_free(record);
        ugatit_free(note);
    }
    for (const std::string& line : notes) std::fprintf(stderr, "%s\n", line.c_str());
    const fs::path jsonl = fs::path(options.out) / "faces.jsonl";
    if (!write_atomically(jsonl, lines)) {
        ++failed;
        ugatit_cli::fail(kProgram, "cannot write " + jsonl.string() + ": " + std::strerror(errno));
    }
    return failed;
}

int translate_images(ugatit_runner* runner, const Options& options, const Work& work) {
    int failed = 0;
    for (const auto& [source, name] : work) {
        const fs::path target = fs::path(options.out) / name;
        std::error_code error;
        fs::create_directories(target.parent_path(), error);
        if (ugatit_runner_translate_file(runner, source.c_str(), target.c_str(), options.keep_size) != UGATIT_OK) {
            ++failed;
            ugatit_cli::fail(kProgram, ugatit_last_error());
        }
    }
    return failed;
}

}  // namespace

int main(int argc, char** argv) {
    if (ugatit_cli::wants_help(argc, argv)) {
        print_help();
        return 0;
    }
    Options options;
    if (const int code = parse(argc, argv, options)) return code;
    std::error_code error;
    if (!fs::exists(options.input, error))
        return ugatit_cli::fail(kProgram, std::string("input not found: ") + options.input);
    const Work work = collect(options.input);
    if (work.empty()) return ugatit_cli::fail(kProgram, std::string("no images in ") + options.input);

    ugatit_faces* faces = nullptr;  // its files are checked before the model loads
    if (options.faces && ugatit_faces_create(faces_folder(options).c_str(), options.device, options.threads,
                                             &faces) != UGATIT_OK)
        return ugatit_cli::fail(kProgram, ugatit_last_error());
    ugatit_runner* runner = nullptr;
    if (ugatit_runner_create_on(options.model, options.device, options.threads, &runner) != UGATIT_OK) {
        ugatit_faces_destroy(faces);
        return ugatit_cli::fail(kProgram, ugatit_last_error());
    }
    fs::create_directories(options.out, error);
    if (error || !fs::is_directory(options.out) || ::access(options.out, W_OK) != 0) {
        ugatit_runner_destroy(runner);
        ugatit_faces_destroy(faces);
        const std::string why = error ? error.message() : !fs::is_directory(options.out) ? "a file has that name" : "not writable";
        return ugatit_cli::fail(kProgram, std::string("cannot write to the output folder ") + options.out + ": " + why);
    }
    const int failed = faces ? translate_faces(runner, faces, options, work) : translate_images(runner, options, work);
    ugatit_runner_destroy(runner);
    ugatit_faces_destroy(faces);
    const int done = static_cast<int>(work.size()) - failed;
    const std::string what = faces ? " through --faces " + options.mode_name : "";
    std::printf("translated %d image%s%s into %s%s\n", done, done == 1 ? "" : "s", what.c_str(), options.out,
                failed ? (", " + std::to_string(failed) + " failed").c_str() : "");
    return failed ? 1 : 0;
}
