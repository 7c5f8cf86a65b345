// What `infer --faces` records per photo (ugatit_deploy.inference.faces.ImageFaces) and the JSON line it writes
// to OUT/faces.jsonl, byte for byte as Python's json.dumps(record.to_dict()) writes it.
#pragma once

#include <string>
#include <vector>

#include "face_detect.h"

namespace ugatit::faces {

struct FaceEntry {
    Face face;
    bool translated = false;  // status "translated", else "too small"
};

struct ImageFaces {
    std::string image;  // the photo's name, relative to the input folder
    int width = 0;
    int height = 0;
    std::vector<FaceEntry> faces;
    std::string note;  // "" = none (the key is left out)
};

// {"image": ..., "size": [w, h], "faces": [{"box": [...], "score": ..., "landmarks": [[x, y], ...], "status":
// ...}], "note": ...}: boxes and landmarks rounded to 0.1, scores to 0.0001, as faces._record does. No newline.
std::string to_json_line(const ImageFaces& record);

// repr(round(value, digits)): Python's round (correctly rounded, half to even) and shortest repr ("90.0",
// "0.9999", "-0.0", "1e+16"); json.dumps' NaN, Infinity, -Infinity for the non-finite.
std::string python_round_repr(double value, int digits);

// json.dumps of a str (ensure_ascii): quotes, backslashes and control characters escaped, everything outside
// printable ASCII as \uXXXX (UTF-16); bytes that are not UTF-8 as Python's surrogateescape reads them (\udcXX).
std::string json_string(const std::string& utf8);

}  // namespace ugatit::faces
