/* ugatit_runner.h: the C API of the U-GAT-IT runner (ugatit-deploy).
 *
 * A runner wraps one model and its metadata sidecar (model.onnx -> model.onnx.json): an ONNX file from
 * `ugatit-deploy export --adailn inline` runs on OpenVINO (CPU by default, or any OpenVINO device), a
 * TensorRT plan from `ugatit-deploy build` (or trtexec beside an exported ONNX) on TensorRT. The
 * sidecar's kind picks the engine. Images go through the same pre- and post-processing as the Python
 * package (ugatit_deploy.core.imaging), bit for bit.
 *
 * Every function that can fail returns a ugatit_status; on failure ugatit_last_error() returns a
 * one-line message (per thread, valid until the next call on that thread). A runner is not
 * thread-safe: use one per thread.
 */
#ifndef UGATIT_RUNNER_H
#define UGATIT_RUNNER_H

#include <stddef.h>

#if defined(__GNUC__)
#define UGATIT_API __attribute__((visibility("default")))
#else
#define UGATIT_API
#endif

#ifdef __cplusplus
extern "C" {
#endif

typedef enum ugatit_status {
    UGATIT_OK = 0,
    UGATIT_ERROR_INVALID_ARGUMENT = 1, /* a null pointer, a bad size, a shape outside the profile */
    UGATIT_ERROR_IO = 2,               /* a file that cannot be opened, read or written */
    UGATIT_ERROR_IMAGE = 3,            /* a file that is not a decodable image */
    UGATIT_ERROR_METADATA = 4,         /* a missing or invalid sidecar JSON */
    UGATIT_ERROR_UNAVAILABLE = 5,      /* built without the model's engine (or libpng / libjpeg) */
    UGATIT_ERROR_ENGINE = 6,           /* OpenVINO, TensorRT or CUDA failed */
    UGATIT_ERROR_INTERNAL = 7          /* out of memory or a bug */
} ugatit_status;

typedef struct ugatit_runner ugatit_runner;

UGATIT_API const char* ugatit_version(void);
UGATIT_API int ugatit_has_tensorrt(void); /* 1 if this build can run TensorRT plans */
UGATIT_API int ugatit_has_openvino(void); /* 1 if this build can run ONNX files (OpenVINO) */
UGATIT_API const char* ugatit_last_error(void);

/* Resource limits, checked before the allocation they bound (ugatit_deploy/core/limits.json): "max_image_pixels"
 * and "max_image_side" (an image's header, before decoding), "max_model_size" and "max_batch" (the sizes a
 * model's sidecar or graph declares). Sets one for this process, over its environment variable
 * (UGATIT_MAX_IMAGE_PIXELS, ...) and its default; 0 goes back to those. Inputs over a limit fail with a
 * message that names it and how to raise it. Call it before ugatit_runner_create for the model limits. */
UGATIT_API ugatit_status ugatit_set_limit(const char* name, long long value);

/* Opens `engine_path` (.onnx or .plan) with the sidecar beside it, ONNX on OpenVINO's CPU device.
 * On success *out_runner is set. */
UGATIT_API ugatit_status ugatit_runner_create(const char* engine_path, ugatit_runner** out_runner);

/* The same with an OpenVINO device ("CPU", "GPU", "NPU", "AUTO", ...; NULL or "" = "CPU") and its
 * inference thread count (0 = OpenVINO's default). Plans ignore both. */
UGATIT_API ugatit_status ugatit_runner_create_on(const char* model_path, const char* device, int threads,
                                                 ugatit_runner** out_runner);
UGATIT_API void ugatit_runner_destroy(ugatit_runner* runner); /* NULL is fine */

/* The height and width images are resized to before inference. */
UGATIT_API ugatit_status ugatit_runner_input_size(const ugatit_runner* runner, int* height, int* width);

/* Image file (PNG, JPEG, binary PPM/PGM) -> translated image file (.png or .ppm). With keep_size != 0
 * the result is resized back to the input image's size. */
UGATIT_API ugatit_status ugatit_runner_translate_file(ugatit_runner* runner, const char* input_path,
                                                      const char* output_path, int keep_size);

/* float32 NCHW batch in [-1, 1] (batch x 3 x height x width) -> the translated batch, same shape, in
 * [-1, 1]. output_count is the capacity of `output` in floats. */
UGATIT_API ugatit_status ugatit_runner_translate(ugatit_runner* runner, const float* input, int batch, int height,
                                                 int width, float* output, size_t output_count);

/* Pre-processing alone: image file -> 3 x height x width float32 in [-1, 1] (out_count floats). */
UGATIT_API ugatit_status ugatit_preprocess_file(const char* image_path, int height, int width, float* out,
                                                size_t out_count);

/* Post-processing alone: 3 x height x width float32 -> image file (.png or .ppm). */
UGATIT_API ugatit_status ugatit_postprocess_to_file(const float* chw, int height, int width, const char* output_path);

/* ---- Faces: `ugatit-deploy infer --faces`, the same pipeline bit for bit (ugatit_deploy/inference/faces.py).
 * Each face is found (MTCNN: the three ONNX files `ugatit-deploy export --with-faces` writes to face_detector/),
 * cropped as the model's training selfies were framed (eyes level), translated at the model's size and pasted
 * back with a feathered edge; the rest of the photo keeps its pixels. Faces whose eyes are closer than
 * ugatit_deploy/core/faces.json's min_eye_distance are recorded as "too small" and left as they are. */

typedef struct ugatit_faces ugatit_faces; /* the face detector; not thread-safe: use one per thread */

typedef enum ugatit_faces_mode {
    UGATIT_FACES_PASTE = 0, /* faces translated in place; a photo without a usable face is written as it is */
    UGATIT_FACES_AUTO = 1,  /* the same, but a photo without a usable face is translated whole */
    UGATIT_FACES_CROPS = 2  /* the translated crops themselves (files only: OUT_STEM_face1.png, ...) */
} ugatit_faces_mode;

/* "paste", "auto" or "crops" -> *mode; anything else is UGATIT_ERROR_INVALID_ARGUMENT. */
UGATIT_API ugatit_status ugatit_faces_parse_mode(const char* name, int* mode);

/* Opens the face detector in `detector_dir` (NULL or "": $UGATIT_FACES_DIR) on an OpenVINO device (NULL or "" =
 * "CPU") with a thread count (0 = OpenVINO's default). Each of pnet.onnx, rnet.onnx, onet.onnx must be there with
 * its sidecar (<file>.json) and match both the SHA-256 the sidecar records and the one faces.json pins; a missing,
 * foreign or tampered file fails naming it, before OpenVINO reads anything. */
UGATIT_API ugatit_status ugatit_faces_create(const char* detector_dir, const char* device, int threads,
                                             ugatit_faces** out_faces);
UGATIT_API void ugatit_faces_destroy(ugatit_faces* faces); /* NULL is fine */

/* One photo through the faces pipeline: `input_path` -> `output_path` (.png or .ppm) in paste and auto mode; in
 * crops mode the crops go to OUTPUT_STEM_face1.SUFFIX, OUTPUT_STEM_face2.SUFFIX, ... and a photo without a usable
 * face gives no file. `name` is the photo's name in the record (NULL: the input's file name). On success, when
 * not NULL: *record_json is the photo's faces.jsonl line (no newline; json.dumps' text) and *note the note
 * `infer --faces` prints for it (NULL when none); free both with ugatit_free. */
UGATIT_API ugatit_status ugatit_runner_translate_faces_file(ugatit_runner* runner, ugatit_faces* faces,
                                                            const char* input_path, const char* output_path, int mode,
                                                            const char* name, char** record_json, char** note);

/* The same on pixels in memory (paste and auto): `rgb` holds height rows of width RGB pixels, `stride` bytes
 * apart (>= 3 x width); the result, the same size, goes to `out_rgb` with the same stride (it may be `rgb`).
 * `name` NULL: "image". UGATIT_FACES_CROPS is refused (UGATIT_ERROR_INVALID_ARGUMENT). */
UGATIT_API ugatit_status ugatit_runner_translate_faces(ugatit_runner* runner, ugatit_faces* faces,
                                                       const unsigned char* rgb, int width, int height, size_t stride,
                                                       unsigned char* out_rgb, int mode, const char* name,
                                                       char** record_json, char** note);

/* Frees what the faces functions returned (NULL is fine). */
UGATIT_API void ugatit_free(void* pointer);

#ifdef __cplusplus
}
#endif

#endif /* UGATIT_RUNNER_H */
