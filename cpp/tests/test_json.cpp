#include <cmath>

#include "check.h"
#include "json.h"

using ugatit::Json;

namespace {

void nested() {
    const Json doc = Json::parse(
        R"( {"a": [1, 2.5, {"b": null}], "c": {"d": true, "e": false}, "s": "x", "empty": {}, "none": []} )");
    CHECK(doc.is_object());
    const Json* a = doc.find("a");
    CHECK(a && a->is_array() && a->items().size() == 3);
    CHECK(a->items()[0].is_integer() && a->items()[0].as_integer() == 1);
    CHECK(a->items()[1].is_number() && !a->items()[1].is_integer() && a->items()[1].as_number() == 2.5);
    CHECK(a->items()[2].find("b") && a->items()[2].find("b")->is_null());
    CHECK(doc.find("c")->find("d")->as_bool() && !doc.find("c")->find("e")->as_bool());
    CHECK_STR(doc.find("s")->as_string(), "x");
    CHECK(doc.find("empty")->is_object() && doc.find("empty")->keys().empty());
    CHECK(doc.find("none")->is_array() && doc.find("none")->items().empty());
    CHECK(doc.find("missing") == nullptr);
    CHECK(a->find("b") == nullptr);                                           // find on a non-object
    CHECK_EQ(Json::parse(R"({"k": 1, "k": 2})").find("k")->as_integer(), 2);  // the last one wins, as in Python
    CHECK_EQ(Json::parse(R"({"k": 1, "k": 2})").keys().size(), 1u);
}

void escapes() {
    const Json s = Json::parse(R"("q\" b\\ s\/ \b\f\n\r\t \u00e9 \u20AC \ud83d\ude00")");
    CHECK_STR(s.as_string(), "q\" b\\ s/ \b\f\n\r\t \xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
    CHECK_STR(Json::parse("\"caf\xc3\xa9\"").as_string(), "caf\xc3\xa9");  // raw UTF-8 passes through
}

void numbers() {
    CHECK_EQ(Json::parse("0").as_integer(), 0);
    CHECK_EQ(Json::parse("-7").as_integer(), -7);
    CHECK(Json::parse("-0").is_integer());
    CHECK(Json::parse("1e3").as_number() == 1000.0 && !Json::parse("1e3").is_integer());
    CHECK(Json::parse("1.0").is_number() && !Json::parse("1.0").is_integer());
    CHECK(Json::parse("2.5E-3").as_number() == 0.0025);
    CHECK(Json::parse("-1.25e+2").as_number() == -125.0);
    CHECK(Json::parse("9223372036854775807").is_integer());
    CHECK(!Json::parse("9223372036854775808").is_integer() &&
          Json::parse("9223372036854775808").as_number() == 9223372036854775808.0);
    CHECK(std::isinf(Json::parse("1e400").as_number()) && Json::parse("-1e400").as_number() < 0);
    CHECK(Json::parse("1e-400").as_number() == 0.0);
    CHECK(Json::parse("0.1").as_number() == 0.1);
    // Python's json writes these for non-finite floats.
    CHECK(std::isnan(Json::parse("NaN").as_number()));
    CHECK(Json::parse("[Infinity, -Infinity]").items()[0].as_number() == INFINITY);
    CHECK(Json::parse("[Infinity, -Infinity]").items()[1].as_number() == -INFINITY);
}

void errors() {
    CHECK_THROWS(Json::parse(""), "line 1, column 1: unexpected end of input");
    CHECK_THROWS(Json::parse("{"), "expected a string key");
    CHECK_THROWS(Json::parse("[1,]"), "unexpected character ']'");
    CHECK_THROWS(Json::parse(R"({"a" 1})"), "expected ':'");
    CHECK_THROWS(Json::parse(R"({"a": 1,})"), "expected a string key");
    CHECK_THROWS(Json::parse("[1 2]"), "expected ',' or ']'");
    CHECK_THROWS(Json::parse("01"), "unexpected data after the document");
    CHECK_THROWS(Json::parse("1."), "digits expected after '.'");
    CHECK_THROWS(Json::parse("1e"), "digits expected in the exponent");
    CHECK_THROWS(Json::parse("-"), "invalid number");
    CHECK_THROWS(Json::parse("+1"), "unexpected character '+'");
    CHECK_THROWS(Json::parse("\"abc"), "unterminated string");
    CHECK_THROWS(Json::parse(R"("\x")"), "invalid escape '\\x'");
    CHECK_THROWS(Json::parse(R"("\u12g4")"), "invalid \\u escape");
    CHECK_THROWS(Json::parse("\"a\tb\""), "control character in a string");
    CHECK_THROWS(Json::parse("tru"), "unexpected character 't'");
    CHECK_THROWS(Json::parse("[1] 2"), "unexpected data after the document");
    CHECK_THROWS(Json::parse("{\n  \"a\": 1,\n  \"b\": ?\n}"), "line 3, column 8: unexpected character '?'");
    CHECK_THROWS(Json::parse(std::string(300, '[') + std::string(300, ']')), "nesting is deeper than 256");
    CHECK_THROWS(Json::parse("{'a': 1}"), "expected a string key");
}

}  // namespace

void json_tests() {
    nested();
    escapes();
    numbers();
    errors();
}
