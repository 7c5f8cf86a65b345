#include "face_detect.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>
#include <string>

#include "error.h"
#include "face_resample.h"
#include "faces_defaults.h"

namespace ugatit::faces {
namespace {

namespace numbers = faces_defaults;

// numpy's maximum / minimum: NaN wins.
double np_max(double a, double b) {
    return (a >= b || std::isnan(a)) ? a : b;
}
double np_min(double a, double b) {
    return (a <= b || std::isnan(a)) ? a : b;
}

// A threshold as numpy compares a float32 array with a Python float (NEP 50: in float32).
float threshold(int stage) {
    return static_cast<float>(numbers::kThresholds[stage]);
}

// int64 arithmetic as numpy's (wrapping).
std::int64_t wrapping_add(std::int64_t a, std::int64_t b) {
    return static_cast<std::int64_t>(static_cast<std::uint64_t>(a) + static_cast<std::uint64_t>(b));
}

std::string shape_text(const std::vector<std::int64_t>& shape) {
    std::string text = "(";
    for (std::size_t i = 0; i < shape.size(); ++i) text += (i ? ", " : "") + std::to_string(shape[i]);
    return text + ")";
}

void expect_shape(const NetOutput& output, const std::vector<std::int64_t>& shape, const char* what) {
    if (output.shape != shape || output.data.size() != static_cast<std::size_t>(std::accumulate(
                                                            shape.begin(), shape.end(), std::int64_t{1},
                                                            [](std::int64_t a, std::int64_t b) { return a * b; }))) {
        throw Error(ErrorKind::kEngine, std::string("the face detector's ") + what + " has shape " +
                                            shape_text(output.shape) + ", expected " + shape_text(shape));
    }
}

// face_detect._patches: each box's pixels (grey outside the image) resized to size x size, normalized, transposed
// (N, size, size, 3) with H and W swapped.
std::vector<float> patches(const Image& image, const std::vector<Candidate>& boxes, int size) {
    const std::size_t plane = static_cast<std::size_t>(size) * size * 3;
    std::vector<float> out(boxes.size() * plane);
    for (std::size_t n = 0; n < boxes.size(); ++n) {
        std::int64_t b[4];
        for (int k = 0; k < 4; ++k) b[k] = to_int64(std::nearbyint(boxes[n][k]));
        const std::int64_t w = std::max<std::int64_t>(wrapping_add(wrapping_add(b[2], -b[0]), 1), 1);
        const std::int64_t h = std::max<std::int64_t>(wrapping_add(wrapping_add(b[3], -b[1]), 1), 1);
        if (w > (1 << 20) || h > (1 << 20) || w * h > (std::int64_t{1} << 28))
            throw std::length_error("a face candidate's box is too large: " + std::to_string(w) + " x " + std::to_string(h));
        Image patch(static_cast<int>(w), static_cast<int>(h));
        std::fill(patch.rgb.begin(), patch.rgb.end(), static_cast<std::uint8_t>(numbers::kPatchFill));
        const std::int64_t sx0 = std::max<std::int64_t>(b[0], 0), sy0 = std::max<std::int64_t>(b[1], 0);
        const std::int64_t sx1 = std::min<std::int64_t>(wrapping_add(b[2], 1), image.width);
        const std::int64_t sy1 = std::min<std::int64_t>(wrapping_add(b[3], 1), image.height);
        if (sx1 > sx0 && sy1 > sy0) {
            for (std::int64_t y = sy0; y < sy1; ++y) {
                const std::uint8_t* from = &image.rgb[(static_cast<std::size_t>(y) * image.width + sx0) * 3];
                std::uint8_t* to = &patch.rgb[(static_cast<std::size_t>(y - b[1]) * w + (sx0 - b[0])) * 3];
                std::copy(from, from + (sx1 - sx0) * 3, to);
            }
        }
        const Image resized = resize_area(patch, size, size);
        float* target = &out[n * plane];
        for (int y = 0; y < size; ++y) {
            for (int x = 0; x < size; ++x) {
                for (int c = 0; c < 3; ++c)
                    target[(static_cast<std::size_t>(x) * size + y) * 3 + c] =
                        normalized(resized.rgb[(static_cast<std::size_t>(y) * size + x) * 3 + c]);
            }
        }
    }
    return out;
}

// P-Net's candidates of one pyramid level (before NMS), in numpy nonzero order over the [y, x] map.
std::vector<Candidate> level_candidates(const NetOutput& offsets, const NetOutput& scores, double scale) {
    const std::int64_t map_w = scores.shape[1], map_h = scores.shape[2];
    std::vector<Candidate> found;
    for (std::int64_t y = 0; y < map_h; ++y) {
        for (std::int64_t x = 0; x < map_w; ++x) {
            const std::size_t at = static_cast<std::size_t>(x * map_h + y);
            const float score = scores.data[at * 2 + 1];
            if (!(score >= threshold(0))) continue;
            const double cx = static_cast<double>(x) * 2.0, cy = static_cast<double>(y) * 2.0;
            found.push_back({std::trunc((cx + 1) / scale), std::trunc((cy + 1) / scale), std::trunc((cx + 12) / scale),
                             std::trunc((cy + 12) / scale), static_cast<double>(score), offsets.data[at * 4],
                             offsets.data[at * 4 + 1], offsets.data[at * 4 + 2], offsets.data[at * 4 + 3]});
        }
    }
    return found;
}

void append_kept(std::vector<Candidate>& to, const std::vector<Candidate>& from, double overlap, bool by_min) {
    for (const std::size_t index : nms(from, overlap, by_min)) to.push_back(from[index]);
}

}  // namespace

std::array<Point, 2> eyes(const Face& face) {
    const Point a = face.landmarks[0], b = face.landmarks[1];
    const bool b_first = b.x != a.x ? b.x < a.x : b.y < a.y;  // Python's sorted() of two (x, y) tuples
    return b_first ? std::array<Point, 2>{b, a} : std::array<Point, 2>{a, b};
}

std::vector<std::size_t> nms(const std::vector<Candidate>& boxes, double overlap_limit, bool by_min) {
    const std::size_t count = boxes.size();
    std::vector<double> area(count);
    for (std::size_t i = 0; i < count; ++i)
        area[i] = (boxes[i][2] - boxes[i][0] + 1) * (boxes[i][3] - boxes[i][1] + 1);
    std::vector<std::size_t> order(count), kept;
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::stable_sort(order.begin(), order.end(), [&](std::size_t i, std::size_t j) {  // argsort(-score, stable)
        const double a = -boxes[i][4], b = -boxes[j][4];
        return std::isnan(a) ? false : std::isnan(b) ? true : a < b;
    });
    while (!order.empty()) {
        const std::size_t best = order[0];
        const Candidate& k = boxes[best];
        kept.push_back(best);
        std::vector<std::size_t> rest;
        for (std::size_t n = 1; n < order.size(); ++n) {
            const Candidate& r = boxes[order[n]];
            const double w = np_max(0.0, np_min(k[2], r[2]) - np_max(k[0], r[0]) + 1);
            const double h = np_max(0.0, np_min(k[3], r[3]) - np_max(k[1], r[1]) + 1);
            const double inter = w * h;
            const double overlap =
                inter / (by_min ? np_min(area[best], area[order[n]]) : area[best] + area[order[n]] - inter);
            if (overlap <= overlap_limit) rest.push_back(order[n]);
        }
        order.swap(rest);
    }
    return kept;
}

Candidate refined(const Candidate& box, const double* offsets) {
    Candidate out = box;
    const double w = box[2] - box[0] + 1, h = box[3] - box[1] + 1;
    out[0] = box[0] + offsets[0] * w;
    out[1] = box[1] + offsets[1] * h;
    out[2] = box[2] + offsets[2] * w;
    out[3] = box[3] + offsets[3] * h;
    return out;
}

Candidate squared(const Candidate& box) {
    Candidate out = box;
    const double w = box[2] - box[0], h = box[3] - box[1];
    const double side = np_max(w, h);
    out[0] = box[0] + w * 0.5 - side * 0.5;
    out[1] = box[1] + h * 0.5 - side * 0.5;
    out[2] = out[0] + side;
    out[3] = out[1] + side;
    return out;
}

float normalized(std::uint8_t value) {
    return (static_cast<float>(value) - static_cast<float>(numbers::kPixelMean)) *
           static_cast<float>(numbers::kPixelScale);
}

FaceDetector::FaceDetector(std::unique_ptr<FaceNets> nets, int min_face)
    : nets_(std::move(nets)), min_face_(min_face > 0 ? min_face : numbers::kMinFace) {}

std::vector<NetOutput> FaceDetector::run(int stage, const std::vector<float>& input,
                                         const std::array<std::int64_t, 4>& shape) {
    std::vector<NetOutput> outputs = nets_->run(stage, input.data(), shape);
    const std::size_t expected = stage == 2 ? 3 : 2;
    if (outputs.size() != expected) {
        throw Error(ErrorKind::kEngine, "the face detector's stage " + std::to_string(stage + 1) + " gave " +
                                            std::to_string(outputs.size()) + " outputs, expected " +
                                            std::to_string(expected));
    }
    return outputs;
}

std::vector<Candidate> FaceDetector::proposals(const Image& image) {
    const int height = image.height, width = image.width;
    double scale = 12.0 / min_face_;
    std::vector<Candidate> found;
    while (std::min(height, width) * scale >= 12) {
        const int level_w = static_cast<int>(std::ceil(width * scale));
        const int level_h = static_cast<int>(std::ceil(height * scale));
        const Image scaled = resize_area(image, level_w, level_h);
        std::vector<float> input(scaled.rgb.size());
        for (int y = 0; y < level_h; ++y) {
            for (int x = 0; x < level_w; ++x) {
                for (int c = 0; c < 3; ++c)
                    input[(static_cast<std::size_t>(x) * level_h + y) * 3 + c] =
                        normalized(scaled.rgb[(static_cast<std::size_t>(y) * level_w + x) * 3 + c]);
            }
        }
        const std::vector<NetOutput> out = run(0, input, {1, level_w, level_h, 3});
        const std::int64_t map_w = out[1].shape.size() == 4 ? out[1].shape[1] : -1;
        const std::int64_t map_h = out[1].shape.size() == 4 ? out[1].shape[2] : -1;
        expect_shape(out[0], {1, map_w, map_h, 4}, "P-Net offsets");
        expect_shape(out[1], {1, map_w, map_h, 2}, "P-Net scores");
        append_kept(found, level_candidates(out[0], out[1], scale), numbers::kNms[0], false);
        scale *= numbers::kPyramidStep;
    }
    std::vector<Candidate> kept;
    append_kept(kept, found, numbers::kNms[1], false);
    return kept;
}

std::vector<Face> FaceDetector::detect(const Image& image) {
    const int longest = std::max(image.width, image.height);
    if (longest > numbers::kMaxSide) {  // a large photo is searched at a size where min_face is still a small face
        const double factor = static_cast<double>(numbers::kMaxSide) / static_cast<double>(longest);
        const int width = std::max(static_cast<int>(std::nearbyint(image.width * factor)), 1);
        const int height = std::max(static_cast<int>(std::nearbyint(image.height * factor)), 1);
        std::vector<Face> faces = detect(resize_area(image, width, height));
        const double back = 1 / factor;
        for (Face& face : faces) {
            for (double& v : face.box) v = v * back;
            for (Point& p : face.landmarks) p = {p.x * back, p.y * back};
        }
        return faces;
    }
    return detect_at_size(image);
}

std::vector<Face> FaceDetector::detect_at_size(const Image& image) {
    std::vector<Candidate> boxes = proposals(image);
    if (boxes.empty()) return {};
    for (Candidate& box : boxes) box = squared(refined(box, &box[5]));
    const std::int64_t count = static_cast<std::int64_t>(boxes.size());
    std::vector<NetOutput> out = run(1, patches(image, boxes, 24), {count, 24, 24, 3});
    expect_shape(out[0], {count, 4}, "R-Net offsets");
    expect_shape(out[1], {count, 2}, "R-Net scores");
    std::vector<Candidate> passed;
    for (std::size_t i = 0; i < boxes.size(); ++i) {
        const float score = out[1].data[i * 2 + 1];
        if (!(score >= threshold(1))) continue;
        const float* o = &out[0].data[i * 4];
        passed.push_back({boxes[i][0], boxes[i][1], boxes[i][2], boxes[i][3], score, o[0], o[1], o[2], o[3]});
    }
    boxes.clear();
    for (const std::size_t index : nms(passed, numbers::kNms[2], false))
        boxes.push_back(squared(refined(passed[index], &passed[index][5])));
    if (boxes.empty()) return {};
    const std::int64_t onet_count = static_cast<std::int64_t>(boxes.size());
    out = run(2, patches(image, boxes, 48), {onet_count, 48, 48, 3});
    expect_shape(out[0], {onet_count, 4}, "O-Net offsets");
    expect_shape(out[1], {onet_count, 10}, "O-Net landmarks");
    expect_shape(out[2], {onet_count, 2}, "O-Net scores");
    std::vector<Candidate> found;
    std::vector<Face> faces;
    for (std::size_t i = 0; i < boxes.size(); ++i) {
        const float score = out[2].data[i * 2 + 1];
        if (!(score >= threshold(2))) continue;
        const float* o = &out[0].data[i * 4];
        const float* p = &out[1].data[i * 10];
        const Candidate box{boxes[i][0], boxes[i][1], boxes[i][2], boxes[i][3], score, o[0], o[1], o[2], o[3]};
        const double w = box[2] - box[0] + 1, h = box[3] - box[1] + 1;
        Face face;
        for (int k = 0; k < 5; ++k)
            face.landmarks[k] = {static_cast<double>(p[k]) * w + box[0] - 1, static_cast<double>(p[5 + k]) * h + box[1] - 1};
        found.push_back(refined(box, &box[5]));
        faces.push_back(face);
    }
    std::vector<Face> kept;
    for (const std::size_t index : nms(found, numbers::kNms[3], true)) {
        Face face = faces[index];
        face.box = {found[index][0], found[index][1], found[index][2], found[index][3]};
        face.score = found[index][4];
        kept.push_back(face);
    }
    return kept;
}

}  // namespace ugatit::faces
