// ugatit-infer --engine model.plan INPUT OUTPUT [--keep-size]: translate one image with a TensorRT
// plan (built only with TensorRT). Uses the C API, as an application would.
#include <cstdio>
#include <cstring>
#include <string>

#include "cli.h"
#include "ugatit_runner.h"

int main(int argc, char** argv) {
    const char* program = "ugatit-infer";
    const char* synopsis = "--engine model.plan INPUT OUTPUT.png [--keep-size]";
    if (ugatit_cli::wants_help(argc, argv)) {
        std::printf("usage: %s %s\n  the sidecar model.json must sit beside model.plan\n", program, synopsis);
        return 0;
    }
    const char* engine = nullptr;
    const char* paths[2] = {nullptr, nullptr};
    int path_count = 0;
    bool keep_size = false;
    for (int i = 1; i < argc; ++i) {
        if (std::strcmp(argv[i], "--engine") == 0 && i + 1 < argc) {
            engine = argv[++i];
        } else if (std::strcmp(argv[i], "--keep-size") == 0) {
            keep_size = true;
        } else if (argv[i][0] == '-' && argv[i][1] != '\0') {
            return ugatit_cli::fail(program, std::string("unknown option ") + argv[i]);
        } else if (path_count < 2) {
            paths[path_count++] = argv[i];
        } else {
            return ugatit_cli::usage(program, synopsis);
        }
    }
    if (!engine || path_count != 2) return ugatit_cli::usage(program, synopsis);

    ugatit_runner* runner = nullptr;
    if (ugatit_runner_create(engine, &runner) != UGATIT_OK) return ugatit_cli::fail(program, ugatit_last_error());
    const ugatit_status status = ugatit_runner_translate_file(runner, paths[0], paths[1], keep_size ? 1 : 0);
    const std::string message = status == UGATIT_OK ? "" : ugatit_last_error();
    ugatit_runner_destroy(runner);
    if (status != UGATIT_OK) return ugatit_cli::fail(program, message);
    return 0;
}
