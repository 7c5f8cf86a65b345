// libFuzzer: parse_sidecar (the artifact metadata a runner trusts before it opens a model).
#include <string>

#include "fuzz_common.h"
#include "sidecar.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    return ugatit_fuzz::expect_errors_only([&] {
        const ugatit::Sidecar sidecar = ugatit::parse_sidecar(std::string(data, data + size), "fuzz.json");
        (void)ugatit::shape_to_string(sidecar.tensorrt ? sidecar.tensorrt->profile.max : ugatit::Shape4{});
    });
}
