#include <cstdio>

#include "check.h"
#include "files.h"
#include "image_io.h"
#include "resize.h"
#include "runner.h"

namespace {

// Returns its input (the identity "translation"), or a wrongly shaped tensor when asked to.
class FakeEngine : public ugatit::Engine {
public:
    explicit FakeEngine(ugatit::InputProfile profile, bool wrong_shape = false)
        : profile_(profile), wrong_shape_(wrong_shape) {}
    ugatit::InputProfile input_profile() const override { return profile_; }
    ugatit::Tensor run(const float* input, const ugatit::Shape4& shape) override {
        ++*runs;
        ugatit::Tensor out;
        out.shape = shape;
        if (wrong_shape_) out.shape[2] /= 2;
        out.data.assign(input, input + shape[0] * shape[1] * shape[2] * shape[3]);
        return out;
    }
    std::shared_ptr<int> runs = std::make_shared<int>(0);

private:
    ugatit::InputProfile profile_;
    bool wrong_shape_;
};

ugatit::Sidecar plan_sidecar() {
    return ugatit::parse_sidecar(ugatit::read_text_file(test::data_path("plan_fp16.json")), "plan_fp16.json");
}

ugatit::Runner make_runner(ugatit::InputProfile profile, std::shared_ptr<int>* runs = nullptr,
                           bool wrong_shape = false) {
    auto engine = std::make_unique<FakeEngine>(profile, wrong_shape);
    if (runs) *runs = engine->runs;
    return ugatit::Runner(plan_sidecar(), std::move(engine));
}

const ugatit::InputProfile kProfile64{{1, 3, 64, 64}, {1, 3, 64, 64}, {8, 3, 64, 64}};

void input_size() {
    const ugatit::Runner runner = make_runner(kProfile64);
    CHECK_EQ(runner.input_height(), 64);
    CHECK_EQ(runner.input_width(), 64);
    // The model's img_size (64) is outside this profile: its opt size is used.
    const ugatit::Runner other = make_runner({{1, 3, 96, 128}, {1, 3, 128, 160}, {1, 3, 256, 256}});
    CHECK_EQ(other.input_height(), 128);
    CHECK_EQ(other.input_width(), 160);
}

void shapes_outside_the_profile() {
    ugatit::Runner runner = make_runner(kProfile64);
    std::vector<float> input(9 * 3 * 64 * 64, 0.0f);
    CHECK_THROWS(runner.translate(input.data(), {9, 3, 64, 64}),
                 "input shape 9x3x64x64 is outside the engine's profile (min 1x3x64x64, max 8x3x64x64)");
    CHECK_THROWS(runner.translate(input.data(), {1, 3, 32, 64}), "input shape 1x3x32x64 is outside");
    CHECK(runner.translate(input.data(), {8, 3, 64, 64}).data.size() == input.size() - 3 * 64 * 64);
    ugatit::Runner broken = make_runner(kProfile64, nullptr, true);
    CHECK_THROWS(broken.translate(input.data(), {1, 3, 64, 64}), "the engine returned 1x3x32x64, expected 1x3x64x64");
}

void files() {
    ugatit::Image image(10, 7);
    for (std::size_t i = 0; i < image.rgb.size(); ++i) image.rgb[i] = static_cast<std::uint8_t>(i * 29 % 256);
    const std::string input = test::temp_path("runner-in.ppm"), output = test::temp_path("runner-out.ppm");
    ugatit::write_image(input, image);
    std::shared_ptr<int> runs;
    ugatit::Runner runner = make_runner(kProfile64, &runs);

    // The identity engine shows the pipeline: resize to 64 x 64, tensor, back to pixels unchanged.
    runner.translate_file(input, output, false);
    const ugatit::Image at_model_size = ugatit::read_image(output);
    CHECK(at_model_size.rgb == ugatit::resize_bilinear(image, 64, 64).rgb);
    runner.translate_file(input, output, true);
    const ugatit::Image kept = ugatit::read_image(output);
    CHECK(kept.width == 10 && kept.height == 7 && kept.rgb == ugatit::resize_bilinear(at_model_size, 10, 7).rgb);
    CHECK_EQ(*runs, 2);

    // A bad output name fails before any inference.
    CHECK_THROWS(runner.translate_file(input, test::temp_path("out.gif"), false),
                 "the output must end in .png or .ppm");
    CHECK_THROWS(runner.translate_file(test::temp_path("nothing.png"), output, false),
                 "cannot open test-output-nothing.png");
    CHECK_EQ(*runs, 2);
    ugatit::Runner batch_only = make_runner({{2, 3, 64, 64}, {4, 3, 64, 64}, {8, 3, 64, 64}});
    CHECK_THROWS(batch_only.translate_file(input, output, false), "needs a batch of at least 2");
    std::remove(input.c_str());
    std::remove(output.c_str());
}

}  // namespace

void runner_tests() {
    input_size();
    shapes_outside_the_profile();
    files();
}
