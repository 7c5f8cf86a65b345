// The resource limits (resource_limits.h) before allocation: their defaults are limits.json's, the environment and
// set_limit move them, images whose headers lie (cpp/tests/data/claims_*) and sidecars that declare huge
// models are refused with messages naming the limit; artifacts are checked against their sidecar's sha256.
#include <cstdio>
#include <cstdlib>
#include <string>

#include "check.h"
#include "files.h"
#include "image_io.h"
#include "integrity.h"
#include "json.h"
#include "resource_limits.h"
#include "sha256.h"
#include "sidecar.h"

namespace {

using ugatit::Limit;

std::string replaced(std::string text, const std::string& from, const std::string& to) {
    const std::size_t at = text.find(from);
    if (at != std::string::npos) text.replace(at, from.size(), to);
    return text;
}

// The ONNX sidecar with one text replacement (the first occurrence).
std::string edited(const std::string& from, const std::string& to) {
    return replaced(ugatit::read_text_file(test::data_path("onnx_fp16.json")), from, to);
}

void defaults_come_from_the_json() {
    const ugatit::Json json = ugatit::Json::parse(ugatit::read_text_file(UGATIT_LIMITS_JSON));
    int seen = 0;
    for (const ugatit::Json& entry : json.find("limits")->items()) {
        const std::optional<Limit> limit = ugatit::find_limit(entry.find("name")->as_string());
        CHECK(limit.has_value());
        if (!limit) continue;
        ++seen;
        const ugatit::LimitSpec& spec = ugatit::limit_spec(*limit);
        CHECK_EQ(spec.default_value, entry.find("default")->as_integer());
        CHECK_STR(std::string(spec.env), entry.find("env")->as_string());
        CHECK_STR(std::string(spec.option), entry.find("option")->as_string());
        CHECK(ugatit::find_limit(spec.option) == limit);
    }
    CHECK_EQ(seen, ugatit::kLimitCount);
}

void environment_and_overrides() {
    ::unsetenv("UGATIT_MAX_IMAGE_SIDE");
    CHECK_EQ(ugatit::limit_value(Limit::kImageSide), ugatit::limit_spec(Limit::kImageSide).default_value);
    ::setenv("UGATIT_MAX_IMAGE_SIDE", "1_000", 1);
    CHECK_EQ(ugatit::limit_value(Limit::kImageSide), 1000);
    ::setenv("UGATIT_MAX_IMAGE_SIDE", "lots", 1);
    CHECK_THROWS(ugatit::limit_value(Limit::kImageSide),
                 "UGATIT_MAX_IMAGE_SIDE / --max-image-side must be a positive integer, got 'lots'");
    ugatit::set_limit(Limit::kImageSide, 77);  // wins over the environment
    CHECK_EQ(ugatit::limit_value(Limit::kImageSide), 77);
    ugatit::set_limit(Limit::kImageSide, 0);
    ::unsetenv("UGATIT_MAX_IMAGE_SIDE");
    CHECK_EQ(ugatit::limit_value(Limit::kImageSide), 32768);
    CHECK_EQ(ugatit::parse_limit(Limit::kBatch, "100,000,000"), 100000000);
    CHECK_EQ(ugatit::parse_limit(Limit::kBatch, "1e8"), 100000000);
    CHECK_EQ(ugatit::parse_limit(Limit::kBatch, " 12 "), 12);
    for (const char* bad : {"0", "-3", "1.5", "", "1e300", "99999999999999999999", "0x10"})
        CHECK_THROWS(ugatit::parse_limit(Limit::kBatch, bad), "UGATIT_MAX_BATCH / --max-batch must be a positive");
    CHECK_THROWS(ugatit::set_limit(Limit::kBatch, -1), "--max-batch must be a positive integer");
    CHECK_STR(ugatit::with_commas(4290250000), "4,290,250,000");
    CHECK_STR(ugatit::with_commas(999), "999");
}

void images_are_refused_before_decoding() {
    CHECK_THROWS(ugatit::check_image_size(65500, 65500, "photo.jpg"),
                 "photo.jpg is 65500 x 65500: a side over the limit of 32,768 pixels (raise it with --max-image-side "
                 "or UGATIT_MAX_IMAGE_SIDE)");
    CHECK_THROWS(ugatit::check_image_size(32768, 32768, "photo.jpg"),
                 "photo.jpg is 32768 x 32768 (1,073,741,824 pixels): over the limit of 100,000,000 pixels (raise it "
                 "with --max-image-pixels or UGATIT_MAX_IMAGE_PIXELS)");
    ugatit::check_image_size(10000, 10000, "exactly at the limit");
    const std::string progressive = test::data_path("claims_65500x65500_progressive.jpg");
    CHECK_THROWS(ugatit::read_image(progressive),
                 progressive + " is 65500 x 65500: a side over the limit of 32,768 pixels");
    const std::string pixels = "16384 x 16384 (268,435,456 pixels): over the limit of 100,000,000 pixels";
    CHECK_THROWS(ugatit::read_image(test::data_path("claims_16384x16384_baseline.jpg")), pixels);
    CHECK_THROWS(ugatit::read_image(test::data_path("claims_16384x16384_16bit.png")), pixels);
    const std::string ppm = test::temp_path("claims.ppm");
    test::write_text(ppm, "P6\n16384 16384\n255\n");
    CHECK_THROWS(ugatit::read_image(ppm), ppm + " is " + pixels);
    test::write_text(ppm, "P5\n40 2\n255\n" + std::string(80, '\x7f'));
    ugatit::set_limit(Limit::kImagePixels, 79);
    CHECK_THROWS(ugatit::read_image(ppm), "(80 pixels): over the limit of 79 pixels");
    ugatit::set_limit(Limit::kImagePixels, 80);
    CHECK_EQ(ugatit::read_image(ppm).width, 40);
    ugatit::set_limit(Limit::kImagePixels, 0);
    std::remove(ppm.c_str());
}

void models_are_refused_when_parsed() {
    using ugatit::parse_sidecar;
    for (const char* size : {"4096", "16384", "1073741824", "2147483648"}) {
        CHECK_THROWS(parse_sidecar(edited("\"img_size\": 64", std::string("\"img_size\": ") + size), "m.json"),
                     std::string("m.json: model.img_size is ") + size +
                         ": over the limit of 1024 (raise it with --max-model-size or UGATIT_MAX_MODEL_SIZE)");
    }
    CHECK_THROWS(parse_sidecar(edited("\"img_size\": 64", "\"img_size\": 9223372036854775808"), "m.json"),
                 "m.json: field model.img_size must be a positive integer");
    CHECK_THROWS(parse_sidecar(edited("\"img_size\": 64", "\"img_size\": 0"), "m.json"),
                 "m.json: model.img_size must be a positive size, got 0");
    CHECK_THROWS(parse_sidecar(edited("\"batch\",", "100000,"), "m.json"),
                 "m.json: io.input.shape[0] is 100000: over the limit of 64 (raise it with --max-batch or "
                 "UGATIT_MAX_BATCH)");
    CHECK_THROWS(parse_sidecar(edited("\"height\",", "2147483648,"), "m.json"),
                 "m.json: io.input.shape[2] is 2147483648: over the limit of 1024");
    const std::string plan = ugatit::read_text_file(test::data_path("plan_fp16.json"));
    std::string huge = plan;
    const std::size_t at = huge.find("\"max\"");
    huge.replace(huge.find("64", at), 2, "4096");  // the profile's largest height
    CHECK_THROWS(parse_sidecar(huge, "p.json"), "p.json: tensorrt.profile.max[2] is 4096: over the limit of 1024");
    ugatit::set_limit(Limit::kModelSize, 4096);
    CHECK_EQ(parse_sidecar(edited("\"img_size\": 64", "\"img_size\": 4096"), "m.json").model.img_size, 4096);
    ugatit::set_limit(Limit::kModelSize, 0);
}

void artifacts_are_checked_against_their_sidecar() {
    const std::string path = test::temp_path("artifact.onnx");
    const std::string content(5000, 'x');
    ugatit::write_file_atomically(path, content.data(), content.size());
    const std::string hash = ugatit::sha256_hex(content.data(), content.size());
    const std::string recorded = "37a4f4e34bea0fad33922c1e1afde26cabe0be7620b236d051701b78f51c40f7";
    const std::string text = replaced(edited(recorded, hash), "\"size_bytes\": 547336", "\"size_bytes\": 5000");
    ugatit::Sidecar sidecar = ugatit::parse_sidecar(text, "a.json");
    CHECK_STR(sidecar.sha256, hash);
    ugatit::verify_artifact(path, sidecar);
    const std::string mismatch =
        path + " does not match the sha256 its sidecar records: the file is damaged or was changed (export it again)";
    std::string damaged = content;
    damaged[2500] = 'y';
    ugatit::write_file_atomically(path, damaged.data(), damaged.size());
    CHECK_THROWS(ugatit::verify_artifact(path, sidecar), mismatch);
    ugatit::write_file_atomically(path, content.data(), 4000);
    CHECK_THROWS(ugatit::verify_artifact(path, sidecar), mismatch);
    sidecar.describes_artifact = false;  // a trtexec plan read with its ONNX's sidecar
    ugatit::verify_artifact(path, sidecar);
    const std::string old_text = replaced(edited("\"sha256\": \"37a4", "\"x\": \"37a4"), "\"size_bytes\"", "\"y\"");
    const ugatit::Sidecar old = ugatit::parse_sidecar(old_text, "old.json");  // the fields deleted: refused
    CHECK(old.sha256.empty() && old.size_bytes == -1);
    CHECK_THROWS(ugatit::verify_artifact(path, old), path + ": its sidecar records no sha256 / size_bytes (export it again)");
    CHECK_THROWS(ugatit::parse_sidecar(edited("\"sha256\": \"37a4", "\"sha256\": \"zz\", \"x\": \"37a4"), "a.json"),
                 "a.json: field sha256 must be 64 hexadecimal digits");
    std::remove(path.c_str());
}

}  // namespace

void limits_tests() {
    // The checks below expect the defaults: a limit the caller's environment raised must not leak in.
    for (const char* name : {"UGATIT_MAX_IMAGE_PIXELS", "UGATIT_MAX_IMAGE_SIDE", "UGATIT_MAX_MODEL_SIZE", "UGATIT_MAX_BATCH"})
        ::unsetenv(name);
    defaults_come_from_the_json();
    environment_and_overrides();
    images_are_refused_before_decoding();
    models_are_refused_when_parsed();
    artifacts_are_checked_against_their_sidecar();
}
