// ugatit_runner_tests [SUITE]: runs one suite (as ctest does) or all of them.
#include <cstdio>
#include <cstring>
#include <exception>
#include <fstream>

#include "check.h"

void json_tests();
void sidecar_tests();
void tensor_tests();
void resize_tests();
void image_io_tests();
void half_tests();
void runner_tests();
void c_api_tests();
void sha256_tests();
void limits_tests();
void faces_tests();

namespace test {

Counters& counters() {
    static Counters instance;
    return instance;
}

void record(bool ok, const char* file, int line, const std::string& what) {
    ++counters().checks;
    if (!ok) {
        ++counters().failures;
        std::printf("FAILED %s:%d: %s\n", file, line, what.c_str());
    }
}

void record(bool ok, const char* file, int line, const char* what) {
    if (!ok) return record(false, file, line, std::string(what));
    ++counters().checks;
}

void check_equal(long long actual, long long expected, const char* file, int line, const char* what) {
    record(actual == expected, file, line, std::string(what) + " (got " + std::to_string(actual) + ")");
}

void check_string(const std::string& actual, const std::string& expected, const char* file, int line,
                  const char* what) {
    record(actual == expected, file, line, std::string(what) + " == \"" + expected + "\" (got \"" + actual + "\")");
}

void check_throws(const std::function<void()>& statement, const std::string& fragment, const char* file, int line,
                  const char* what) {
    std::string message = "no exception";
    bool ok = false;
    try {
        statement();
    } catch (const ugatit::Error& error) {
        message = error.what();
        ok = message.find(fragment) != std::string::npos;
    } catch (const std::exception& error) {
        message = std::string("non-ugatit exception: ") + error.what();
    }
    record(ok, file, line, std::string(what) + " should throw \"" + fragment + "\", got: " + message);
}

std::string data_path(const std::string& name) {
    return std::string(UGATIT_TEST_DATA) + "/" + name;
}

std::string temp_path(const std::string& name) {
    return "test-output-" + name;
}

void write_text(const std::string& path, const std::string& text) {
    std::ofstream(path, std::ios::binary) << text;
}

}  // namespace test

int main(int argc, char** argv) {
    struct Suite {
        const char* name;
        void (*run)();
    };
    const Suite suites[] = {{"json", json_tests},     {"sidecar", sidecar_tests},   {"tensor", tensor_tests},
                            {"resize", resize_tests}, {"image_io", image_io_tests}, {"half", half_tests},
                            {"runner", runner_tests}, {"c_api", c_api_tests},     {"sha256", sha256_tests},
                            {"limits", limits_tests}, {"faces", faces_tests}};
    bool ran = false;
    for (const Suite& suite : suites) {
        if (argc > 1 && std::strcmp(argv[1], suite.name) != 0) continue;
        ran = true;
        const test::Counters before = test::counters();
        try {
            suite.run();
        } catch (const std::exception& error) {
            test::record(false, __FILE__, __LINE__,
                         std::string("uncaught exception in ") + suite.name + ": " + error.what());
        }
        std::printf("%-9s %4d checks, %d failed\n", suite.name, test::counters().checks - before.checks,
                    test::counters().failures - before.failures);
    }
    if (!ran) {
        std::printf("unknown suite %s\n", argv[1]);
        return 2;
    }
    return test::counters().failures == 0 ? 0 : 1;
}
