/* How an application embeds the U-GAT-IT runner: open a model once, translate images, close it.
 *
 *   translate_image MODEL.onnx|MODEL.plan INPUT_IMAGE OUTPUT.png [DEVICE]
 *
 * Build: cmake builds it beside the library (cpp/examples/CMakeLists.txt); by hand:
 *   cc translate_image.c -Icpp/include -Lbuild/cpp -lugatit_runner -Wl,-rpath,$PWD/build/cpp
 */
#include <stdio.h>
#include <stdlib.h>

#include "ugatit_runner.h"

int main(int argc, char** argv) {
    if (argc < 4 || argc > 5) {
        fprintf(stderr, "usage: %s MODEL.onnx|MODEL.plan INPUT_IMAGE OUTPUT.png [DEVICE]\n", argv[0]);
        return 2;
    }
    printf("ugatit runner %s (OpenVINO: %s, TensorRT: %s)\n", ugatit_version(), ugatit_has_openvino() ? "yes" : "no",
           ugatit_has_tensorrt() ? "yes" : "no");

    ugatit_runner* runner = NULL;
    if (ugatit_runner_create_on(argv[1], argc == 5 ? argv[4] : "CPU", /*threads=*/0, &runner) != UGATIT_OK) {
        fprintf(stderr, "cannot open %s: %s\n", argv[1], ugatit_last_error());
        return 1;
    }
    int height = 0, width = 0;
    ugatit_runner_input_size(runner, &height, &width);
    printf("model input: %d x %d\n", height, width);

    /* The whole file path: decode, resize, translate, encode. */
    if (ugatit_runner_translate_file(runner, argv[2], argv[3], /*keep_size=*/0) != UGATIT_OK) {
        fprintf(stderr, "cannot translate %s: %s\n", argv[2], ugatit_last_error());
        ugatit_runner_destroy(runner);
        return 1;
    }

    /* Or the tensor path, for an app that holds pixels already: pre-process, translate, post-process. */
    size_t count = (size_t)3 * height * width;
    float* input = malloc(count * sizeof(float));
    float* output = malloc(count * sizeof(float));
    int status = input && output && ugatit_preprocess_file(argv[2], height, width, input, count) == UGATIT_OK &&
                 ugatit_runner_translate(runner, input, 1, height, width, output, count) == UGATIT_OK;
    if (!status) fprintf(stderr, "tensor path failed: %s\n", ugatit_last_error());
    free(input);
    free(output);
    ugatit_runner_destroy(runner);
    if (!status) return 1;
    printf("wrote %s\n", argv[3]);
    return 0;
}
