// The whole pre-processing of imaging.preprocess: image file -> RGB -> bilinear resize -> CHW in [-1, 1].
#pragma once

#include <string>
#include <vector>

namespace ugatit {

std::vector<float> preprocess_file(const std::string& path, int height, int width);

}  // namespace ugatit
