#include <pma/util/base64.hpp>

#include <doctest/doctest.h>

#include <optional>
#include <random>
#include <string>
#include <string_view>

using pma::util::base64_decode;
using pma::util::base64_encode;

TEST_SUITE_BEGIN("util");

namespace {

// The RFC 4648 rules, written out bit by bit: what OpenSSL's codec must give.
constexpr std::string_view k_alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

std::optional<std::string>
reference_decode(std::string_view text)
{
  while (text.ends_with('=')) {
    text.remove_suffix(1);
  }
  std::string out;
  uint32_t block = 0;
  int bits = 0;
  for (const char raw : text) {
    const size_t value = k_alphabet.find(raw == '-' ? '+' : raw == '_' ? '/' : raw);
    if (value == std::string_view::npos) {
      return std::nullopt;
    }
    block = (block << 6) | static_cast<uint32_t>(value);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((block >> bits) & 0xFF);
    }
  }
  return bits >= 6 ? std::nullopt : std::optional<std::string>(out);
}

} // namespace

TEST_CASE("util::base64_encode: both alphabets, padded")
{
  CHECK(base64_encode("", false).empty());
  CHECK(base64_encode("f", false) == "Zg==");
  CHECK(base64_encode("fo", false) == "Zm8=");
  CHECK(base64_encode("foo", false) == "Zm9v");
  CHECK(base64_encode("foobar", false) == "Zm9vYmFy");
  CHECK(base64_encode("\xfb\xff", false) == "+/8=");
  CHECK(base64_encode("\xfb\xff", true) == "-_8=");
  CHECK(base64_encode(std::string("\0\0\0", 3), false) == "AAAA");
  CHECK(base64_encode("pma:s3cret", false) == "cG1hOnMzY3JldA==");
}

TEST_CASE("util::base64_decode: either alphabet, padding optional, nothing else")
{
  CHECK(*base64_decode("") == "");
  CHECK(*base64_decode("Zm9vYg==") == "foob");
  CHECK(*base64_decode("Zm9vYg") == "foob");
  CHECK(*base64_decode("Zm9vYmE=") == "fooba");
  CHECK(*base64_decode("-_8=") == "\xfb\xff");
  CHECK(*base64_decode("+_8") == "\xfb\xff"); // mixed alphabets
  CHECK(*base64_decode("AAAA") == std::string("\0\0\0", 3));
  CHECK_FALSE(base64_decode("Zm9v!"));
  CHECK_FALSE(base64_decode("Z"));
  CHECK_FALSE(base64_decode("Zm9vY"));
  CHECK_FALSE(base64_decode("Zm9v\nYg==")); // no line breaks
  CHECK_FALSE(base64_decode(" Zm9v"));      // nor leading blanks
  CHECK_FALSE(base64_decode("Zm=9v"));      // nor padding inside
  CHECK_FALSE(base64_decode("Zm9v-----"));  // '-' is a digit here, not PEM's armour
}

TEST_CASE("util::base64: round trips, and the RFC's rules on any input")
{
  std::mt19937 random(4648); // NOLINT(cert-msc32-c,cert-msc51-cpp): a fixed seed, so that a failure repeats
  const std::string_view symbols = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/-_= \n!.";
  for (int round = 0; round < 2000; ++round) {
    std::string data(random() % 70, '\0');
    for (char& c : data) {
      c = static_cast<char>(random() % 256);
    }
    for (const bool url_safe : {false, true}) {
      const std::string encoded = base64_encode(data, url_safe);
      CHECK(encoded.size() % 4 == 0);
      CHECK(encoded.find_first_of(url_safe ? "+/" : "-_") == std::string::npos);
      CHECK(*base64_decode(encoded) == data);
      CHECK(*reference_decode(encoded) == data);
    }
    std::string text(random() % 12, '\0');
    for (char& c : text) {
      c = symbols[random() % symbols.size()];
    }
    CHECK(base64_decode(text) == reference_decode(text));
  }
  const std::string big(200'000, '\xa5'); // longer than one piece of the codec
  CHECK(*base64_decode(base64_encode(big, true)) == big);
}

TEST_SUITE_END();
