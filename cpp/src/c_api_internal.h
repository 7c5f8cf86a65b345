// What the C API's files (c_api.cpp, c_api_faces.cpp) share: the handles behind the opaque C types, and
// `guarded`, which turns exceptions into a status code plus the thread's one-line message.
#pragma once

#include <memory>
#include <new>
#include <string>

#include "error.h"
#include "face_detect.h"
#include "runner.h"
#include "ugatit_runner.h"

struct ugatit_runner {
    std::unique_ptr<ugatit::Runner> runner;
};

struct ugatit_faces {
    std::unique_ptr<ugatit::faces::FaceDetector> detector;
};

namespace ugatit::c_api {

std::string& last_error();  // per thread

inline void remember(const char* message) noexcept {
    try {
        last_error() = message;
    } catch (...) {
        last_error().clear();
    }
}

template <typename Body>
ugatit_status guarded(Body&& body) noexcept {
    try {
        body();
        last_error().clear();
        return UGATIT_OK;
    } catch (const ugatit::Error& error) {
        remember(error.what());
        return static_cast<ugatit_status>(error.kind());
    } catch (const std::bad_alloc&) {
        remember("out of memory");
    } catch (const std::exception& error) {
        remember(error.what());
    } catch (...) {
        remember("unknown internal error");
    }
    return UGATIT_ERROR_INTERNAL;
}

inline void require(bool condition, const char* message) {
    if (!condition) throw ugatit::Error(ugatit::ErrorKind::kInvalidArgument, message);
}

}  // namespace ugatit::c_api
