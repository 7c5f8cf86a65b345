// SHA-256 against the FIPS 180-4 examples (NIST CSRC "SHA256.pdf", "SHA2_Additional.pdf"), fed whole and in pieces.
#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "check.h"
#include "files.h"
#include "sha256.h"

namespace {

std::string pieces_hex(const std::string& text, std::size_t piece) {
    ugatit::Sha256 hash;
    for (std::size_t at = 0; at < text.size(); at += piece)
        hash.update(text.data() + at, std::min(piece, text.size() - at));
    return hash.finish_hex();
}

}  // namespace

void sha256_tests() {
    using ugatit::sha256_hex;
    CHECK_STR(sha256_hex("", 0), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    CHECK_STR(sha256_hex("abc", 3), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    const std::string two_blocks = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";  // 448 bits
    CHECK_STR(sha256_hex(two_blocks.data(), two_blocks.size()),
              "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    const std::string long_message =
        "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrst"
        "nopqrstu";  // 896 bits
    CHECK_STR(sha256_hex(long_message.data(), long_message.size()),
              "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
    const std::string million(1000000, 'a');
    CHECK_STR(sha256_hex(million.data(), million.size()),
              "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
    for (std::size_t piece : {1, 3, 55, 56, 63, 64, 65, 1000})
        CHECK_STR(pieces_hex(million, piece), sha256_hex(million.data(), million.size()));
    // 55 and 56 bytes: the padding fits the last block, or needs one more.
    const std::string a55(55, 'a'), a56(56, 'a'), a64(64, 'a');
    CHECK_STR(sha256_hex(a55.data(), a55.size()), "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318");
    CHECK_STR(sha256_hex(a56.data(), a56.size()), "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a");
    CHECK_STR(sha256_hex(a64.data(), a64.size()), "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb");

    const std::string path = test::temp_path("sha256.bin");
    ugatit::write_file_atomically(path, million.data(), million.size());
    CHECK_STR(ugatit::file_sha256(path), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
    std::remove(path.c_str());
    CHECK_THROWS(ugatit::file_sha256(path), "cannot open " + path);
}
