// Minimal test helpers: checks count failures and keep going; main() reports per suite.
#pragma once

#include <functional>
#include <string>

#include "error.h"

namespace test {

struct Counters {
    int checks = 0;
    int failures = 0;
};
Counters& counters();

void record(bool ok, const char* file, int line, const std::string& what);
void record(bool ok, const char* file, int line, const char* what);

void check_equal(long long actual, long long expected, const char* file, int line, const char* what);
void check_string(const std::string& actual, const std::string& expected, const char* file, int line, const char* what);
void check_throws(const std::function<void()>& statement, const std::string& fragment, const char* file, int line,
                  const char* what);

std::string data_path(const std::string& name);  // a file in cpp/tests/data
std::string temp_path(const std::string& name);  // a scratch file in the test's working directory
void write_text(const std::string& path, const std::string& text);

}  // namespace test

#define CHECK(condition) test::record(static_cast<bool>(condition), __FILE__, __LINE__, #condition)

#define CHECK_EQ(actual, expected)                                                                          \
    test::check_equal(static_cast<long long>(actual), static_cast<long long>(expected), __FILE__, __LINE__, \
                      #actual " == " #expected)

#define CHECK_STR(actual, expected) test::check_string((actual), (expected), __FILE__, __LINE__, #actual)

// The statement must throw ugatit::Error whose message contains `fragment`.
#define CHECK_THROWS(statement, fragment) \
    test::check_throws([&]() { statement; }, (fragment), __FILE__, __LINE__, #statement)
