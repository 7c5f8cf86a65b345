// A small JSON reader (RFC 8259) for the artifact sidecars, plus the NaN / Infinity / -Infinity
// literals Python's json module writes for non-finite floats (a PSNR of identical images is inf).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace ugatit {

class Json {
public:
    enum class Type { kNull, kBool, kNumber, kString, kArray, kObject };

    // Throws Error(kMetadata, "invalid JSON at line L, column C: ...").
    static Json parse(const std::string& text);

    Type type() const { return type_; }
    bool is_null() const { return type_ == Type::kNull; }
    bool is_bool() const { return type_ == Type::kBool; }
    bool is_number() const { return type_ == Type::kNumber; }
    bool is_integer() const { return type_ == Type::kNumber && integral_; }  // written without '.'/exponent, fits int64
    bool is_string() const { return type_ == Type::kString; }
    bool is_array() const { return type_ == Type::kArray; }
    bool is_object() const { return type_ == Type::kObject; }

    bool as_bool() const { return bool_; }
    double as_number() const { return number_; }
    std::int64_t as_integer() const { return integer_; }
    const std::string& as_string() const { return string_; }
    const std::vector<Json>& items() const { return items_; }       // array elements, or object values
    const std::vector<std::string>& keys() const { return keys_; }  // object keys, parallel to items()

    // The member named `key` (the last one if repeated, as Python keeps), or nullptr.
    const Json* find(const std::string& key) const;

    static const char* type_name(Type type);

private:
    friend class JsonParser;
    Type type_ = Type::kNull;
    bool bool_ = false;
    bool integral_ = false;
    double number_ = 0.0;
    std::int64_t integer_ = 0;
    std::string string_;
    std::vector<std::string> keys_;
    std::vector<Json> items_;
};

}  // namespace ugatit
