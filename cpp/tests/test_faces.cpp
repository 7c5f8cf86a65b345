// The faces pipeline, engine-free: the resampling, the geometry and NMS on small hand-checked values, the
// faces.jsonl text, the numbers against faces.json, the detector files' checks, and the C API (its refusals, and
// the whole pipeline over a fake model and fake networks).
#include <cmath>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "c_api_internal.h"
#include "check.h"
#include "face_files.h"
#include "face_pipeline.h"
#include "face_record.h"
#include "face_resample.h"
#include "faces_defaults.h"
#include "files.h"
#include "image_io.h"
#include "json.h"
#include "sha256.h"
#include "ugatit_runner.h"

namespace {

namespace faces = ugatit::faces;

bool near(double a, double b) {
    return std::fabs(a - b) < 1e-9;
}

void resample() {
    const faces::AxisTaps halving = faces::axis_taps(4, 2);  // cells [0, 2) and [2, 4): pairs, a third empty tap
    CHECK_EQ(halving.taps, 3);
    CHECK(halving.index == (std::vector<std::int64_t>{0, 1, 2, 2, 3, 3}));
    CHECK(halving.weight == (std::vector<std::int64_t>{32768, 32768, 0, 32768, 32768, 0}));
    const faces::AxisTaps doubling = faces::axis_taps(2, 4);  // centres at -0.25, 0.25, 0.75, 1.25: clamped
    CHECK(doubling.index == (std::vector<std::int64_t>{0, 1, 0, 1, 0, 1, 1, 1}));
    CHECK(doubling.weight == (std::vector<std::int64_t>{65536, 0, 49152, 16384, 16384, 49152, 65536, 0}));
    CHECK_THROWS(faces::axis_taps(0, 3), "cannot resample 0 pixels to 3");

    ugatit::Image checker(2, 2);  // black and white: the mean 127.5 rounds half up
    for (int i : {3, 4, 5, 6, 7, 8}) checker.rgb[i] = 255;
    const ugatit::Image mean = faces::resize_area(checker, 1, 1);
    CHECK(mean.rgb == (std::vector<std::uint8_t>{128, 128, 128}));
    ugatit::Image random(9, 7);
    for (std::size_t i = 0; i < random.rgb.size(); ++i) random.rgb[i] = static_cast<std::uint8_t>(i * 97 % 251);
    CHECK(faces::resize_area(random, 9, 7).rgb == random.rgb);  // the same size is the identity

    const faces::Affine inverse = faces::invert_affine({2, 0, 4, 0, 2, 6});
    CHECK(inverse == (faces::Affine{0.5, 0, -2, 0, 0.5, -3}));
    CHECK(faces::invert_affine({1, 2, 3, 2, 4, 5}) == (faces::Affine{0, -0.0, -0.0, -0.0, 0, -0.0}));  // singular

    const double row[2] = {10.0, 20.0};  // a 2 x 1 one-channel source
    auto at = [&](double shift, faces::Border border) {
        return faces::warp(row, 2, 1, 1, {1, 0, shift, 0, 1, 0}, 1, 1, border).values[0];
    };
    CHECK(at(0.5, faces::Border::kZero) == 15.0 && at(0.25, faces::Border::kReplicate) == 12.5);
    CHECK(at(-0.5, faces::Border::kReplicate) == 10.0 && at(-0.5, faces::Border::kZero) == 5.0);
    CHECK(at(1.5, faces::Border::kReplicate) == 20.0 && at(1.5, faces::Border::kZero) == 10.0);
    CHECK(faces::to_uint8(2.5) == 2 && faces::to_uint8(3.5) == 4 && faces::to_uint8(-3.0) == 0 &&
          faces::to_uint8(300.0) == 255);
}

void align() {
    const faces::Framing framing = faces::selfie_framing();
    const faces::Affine m = faces::align_matrix({100, 120}, {130, 110}, 256, framing);
    auto apply = [&](double x, double y) { return faces::Point{m[0] * x + m[1] * y + m[2], m[3] * x + m[4] * y + m[5]}; };
    const faces::Point left = apply(100, 120), right = apply(130, 110);
    CHECK(near(left.y, right.y) && near(right.x - left.x, framing.eye_distance * 256));  // level, that far apart
    CHECK(near((left.x + right.x) / 2, framing.eyes_x * 256) && near(left.y, framing.eyes_y * 256));
    const double distance = std::sqrt(30.0 * 30.0 + 10.0 * 10.0), scale = framing.eye_distance * 256 / distance;
    CHECK(m[0] == 30.0 / distance * scale && m[1] == -10.0 / distance * scale && m[4] == m[0] && m[3] == -m[1]);
    CHECK_THROWS(faces::align_matrix({5, 5}, {5, 5}, 64, framing), "the two eyes are at the same point");

    const std::vector<double> mask = faces::feather_mask(10, 0.3);  // a ramp over 3 px: 1/6, 1/2, 5/6, 1
    CHECK(near(mask[0], 0.5 / 3) && near(mask[11], 1.5 / 3) && near(mask[22], 2.5 / 3) && mask[33] == 1.0);
    CHECK(mask[9] == mask[0] && mask[90] == mask[0] && near(mask[5], 0.5 / 3));

    const faces::Affine halve = {0.5, 0, -10, 0, 0.5, -20};  // image -> crop: (20, 40) is the crop's corner
    const auto box = faces::footprint(halve, 16, 100, 60);   // corners (20, 40) .. (52, 72), 2 px more, clipped
    CHECK(box[0] == 18 && box[1] == 38 && box[2] == 54 && box[3] == 60);
    ugatit::Image photo(100, 60), white(16, 16);
    std::fill(white.rgb.begin(), white.rgb.end(), 255);
    faces::paste(photo, white, halve);
    CHECK(photo.rgb[(50 * 100 + 36) * 3] == 255);  // the crop's middle
    CHECK(photo.rgb[(39 * 100 + 19) * 3] > 0);  // the feathered edge, inside the footprint
    CHECK(photo.rgb[(38 * 100 + 18) * 3] == 0 && photo.rgb[(50 * 100 + 55) * 3] == 0);  // the mask is 0: untouched
}

faces::Candidate box(double x0, double y0, double x1, double y1, double score) {
    return {x0, y0, x1, y1, score, 0, 0, 0, 0};
}

void detection_geometry() {
    // Ties keep the earlier row; an identical box is suppressed, a distant one kept; best score first.
    const std::vector<faces::Candidate> rows = {box(0, 0, 9, 9, 0.5), box(0, 0, 9, 9, 0.5), box(20, 20, 29, 29, 0.5),
                                                box(40, 0, 49, 9, 0.9)};
    CHECK(faces::nms(rows, 0.5, false) == (std::vector<std::size_t>{3, 0, 2}));
    // A small box inside a large one: IoU 0.25 keeps it, the smaller area's overlap (1.0) does not.
    const std::vector<faces::Candidate> nested = {box(0, 0, 19, 19, 0.9), box(0, 0, 9, 9, 0.8)};
    CHECK(faces::nms(nested, 0.7, false).size() == 2 && faces::nms(nested, 0.7, true).size() == 1);
    CHECK(faces::nms({}, 0.5, false).empty());

    const double offsets[4] = {0.1, -0.2, 0.5, 0.0};
    const faces::Candidate moved = faces::refined(box(10, 20, 19, 39, 0.7), offsets);  // w 10, h 20 (+1 each)
    CHECK(near(moved[0], 11) && near(moved[1], 16) && near(moved[2], 24) && moved[3] == 39 && moved[4] == 0.7);
    const faces::Candidate square = faces::squared(box(10, 20, 20, 40, 0.7));  // 10 x 20 -> 20 x 20, same centre
    CHECK(square[0] == 5 && square[1] == 20 && square[2] == 25 && square[3] == 40);
    CHECK(faces::normalized(0) == -0.99609375f && faces::normalized(255) == 0.99609375f && faces::normalized(128) == 0.00390625f);
    faces::Face face;
    face.landmarks[0] = {30, 5};
    face.landmarks[1] = {10, 9};
    CHECK(faces::eyes(face)[0].x == 10 && faces::eye_distance(face) == std::sqrt(20.0 * 20.0 + 4.0 * 4.0));
}

void records() {
    const char* rounded[][3] = {{"90", "1", "90.0"},   {"0.9999994039535522", "4", "1.0"}, {"0.99985", "4", "0.9999"},
                                {"-0.04", "1", "-0.0"}, {"1e16", "1", "1e+16"},           {"0.25", "1", "0.2"},
                                {"0.35", "1", "0.3"},   {"123456.75", "1", "123456.8"},   {"5e-05", "4", "0.0001"},
                                {"1e-07", "4", "0.0"},  {"2.5e17", "1", "2.5e+17"},        {"100.95", "1", "101.0"},
                                {"1234567890123456.7", "1", "1234567890123456.8"},          {"nan", "1", "NaN"},
                                {"inf", "1", "Infinity"}};  // Python's json.dumps(round(v, digits))
    for (const auto& [value, digits, text] : rounded)
        CHECK_STR(faces::python_round_repr(std::strtod(value, nullptr), std::atoi(digits)), std::string(text));
    CHECK_STR(faces::json_string("a\"b\\c\nd\te\x01\x7f\xc3\xa9\xf0\x9f\x98\x80\xff"),
              "\"a\\\"b\\\\c\\nd\\te\\u0001\\u007f\\u00e9\\ud83d\\ude00\\udcff\"");

    faces::ImageFaces record{"a", 1, 1, {}, ""};
    faces::Face face;
    face.box = {-0.04, 100.95, 1e16, 7.0};
    face.score = 0.9999994039535522;
    for (int k = 0; k < 5; ++k) face.landmarks[k] = {2.0 * k + 1, 2.0 * k + 2};
    face.landmarks[1].x = 3.05;
    record.faces.push_back({face, false});
    CHECK_STR(faces::to_json_line(record),  // json.dumps(ImageFaces(...).to_dict())
              "{\"image\": \"a\", \"size\": [1, 1], \"faces\": [{\"box\": [-0.0, 101.0, 1e+16, 7.0], \"score\": 1.0, "
              "\"landmarks\": [[1.0, 2.0], [3.0, 4.0], [5.0, 6.0], [7.0, 8.0], [9.0, 10.0]], \"status\": \"too small\"}]}");
    record = {"a.jpg", 3, 2, {}, "no face found: written unchanged"};
    CHECK_STR(faces::to_json_line(record),
              "{\"image\": \"a.jpg\", \"size\": [3, 2], \"faces\": [], \"note\": \"no face found: written unchanged\"}");
}

// The compiled numbers are faces.json's (CMake generated faces_defaults.h from it).
void numbers() {
    namespace d = ugatit::faces_defaults;
    const ugatit::Json json = ugatit::Json::parse(ugatit::read_text_file(UGATIT_FACES_JSON));
    const ugatit::Json& detector = *json.find("detector");
    for (int i = 0; i < 3; ++i) {
        CHECK(detector.find("thresholds")->items()[i].as_number() == d::kThresholds[i]);
        const ugatit::Json& file = detector.find("files")->items()[i];
        CHECK_STR(std::string(d::kFiles[i].name), file.find("name")->as_string());
        CHECK_STR(std::string(d::kFiles[i].sha256), file.find("sha256")->as_string());
    }
    for (int i = 0; i < 4; ++i) CHECK(detector.find("nms")->items()[i].as_number() == d::kNms[i]);
    CHECK(detector.find("pyramid_step")->as_number() == d::kPyramidStep && detector.find("min_face")->as_number() == d::kMinFace);
    CHECK(detector.find("max_side")->as_number() == d::kMaxSide && detector.find("patch_fill")->as_number() == d::kPatchFill);
    CHECK(detector.find("pixel_mean")->as_number() == d::kPixelMean && detector.find("pixel_scale")->as_number() == d::kPixelScale);
    const ugatit::Json& framing = *json.find("framing");
    CHECK(framing.find("eyes_x")->as_number() == d::kEyesX && framing.find("eyes_y")->as_number() == d::kEyesY &&
          framing.find("eye_distance")->as_number() == d::kEyeDistance);
    CHECK(json.find("feather")->as_number() == d::kFeather && json.find("footprint_margin")->as_number() == d::kFootprintMargin &&
          json.find("min_eye_distance")->as_number() == d::kMinEyeDistance);
}

}  // namespace

void face_c_api_tests();  // test_faces_c_api.cpp

void faces_tests() {
    resample();
    align();
    detection_geometry();
    records();
    numbers();
    face_c_api_tests();
}
