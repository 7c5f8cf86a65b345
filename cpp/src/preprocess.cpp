#include "preprocess.h"

#include "image_io.h"
#include "resize.h"
#include "tensor.h"

namespace ugatit {

std::vector<float> preprocess_file(const std::string& path, int height, int width) {
    const Image image = resize_bilinear(read_image(path), width, height);
    std::vector<float> chw(static_cast<std::size_t>(3) * height * width);
    image_to_chw(image, chw.data());
    return chw;
}

}  // namespace ugatit
