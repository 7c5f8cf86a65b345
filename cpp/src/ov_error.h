// The first informative line of an OpenVINO error (its first lines only name C++ source files): what the OpenVINO
// engine (ov_engine.cpp) and the face detector's networks (face_nets_ov.cpp) put in their one-line messages.
#pragma once

#include <sstream>
#include <string>

namespace ugatit {

inline std::string openvino_first_line(const std::string& text) {
    std::istringstream lines(text);
    std::string line, fallback;
    while (std::getline(lines, line)) {
        const auto start = line.find_first_not_of(" \t\r");
        if (start == std::string::npos) continue;
        line = line.substr(start);
        while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
        if (fallback.empty()) fallback = line;
        const bool source_location = line.rfind("Exception from ", 0) == 0 ||
                                     (line.rfind("Check '", 0) == 0 && line.find("' failed at ") != std::string::npos);
        if (!source_location) return line;
    }
    return fallback.empty() ? "unknown OpenVINO error" : fallback;
}

}  // namespace ugatit
