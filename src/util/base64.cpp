// Base64 through OpenSSL's EVP codec, which knows the standard alphabet only:
// the URL-safe one is translated on the way in and out.
#include <pma/util/base64.hpp>

#include <openssl/evp.h>

#include <algorithm>

namespace pma::util {

namespace {

// EVP takes int lengths: long inputs go through in pieces of whole groups.
constexpr size_t k_encode_piece = size_t{3} * 16384; // bytes
constexpr size_t k_decode_piece = size_t{4} * 16384; // characters

bool
in_alphabet(const char c)
{
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/';
}

} // namespace

std::string
base64_encode(const std::string_view data, const bool url_safe)
{
  std::string out((data.size() + 2) / 3 * 4 + 1, '\0'); // room for the NUL EVP adds
  size_t written = 0;
  for (size_t offset = 0; offset < data.size(); offset += k_encode_piece) {
    const size_t piece = std::min(k_encode_piece, data.size() - offset);
    written += static_cast<size_t>(EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data() + written),
                                                   reinterpret_cast<const unsigned char*>(data.data() + offset),
                                                   static_cast<int>(piece)));
  }
  out.resize(written);
  if (url_safe) {
    std::replace(out.begin(), out.end(), '+', '-');
    std::replace(out.begin(), out.end(), '/', '_');
  }
  return out;
}

std::optional<std::string>
base64_decode(std::string_view text)
{
  while (text.ends_with('=')) {
    text.remove_suffix(1);
  }
  if (text.size() % 4 == 1) {
    return std::nullopt; // a lone trailing character cannot encode a byte
  }
  std::string standard(text);
  for (char& c : standard) {
    c = c == '-' ? '+' : c == '_' ? '/' : c;
    if (!in_alphabet(c)) {
      return std::nullopt;
    }
  }
  // EVP decodes whole groups only: the last one is filled with zero bits,
  // and what they would decode to is cut off below.
  standard.append((4 - standard.size() % 4) % 4, 'A');
  std::string out(standard.size() / 4 * 3, '\0');
  size_t written = 0;
  for (size_t offset = 0; offset < standard.size(); offset += k_decode_piece) {
    const size_t piece = std::min(k_decode_piece, standard.size() - offset);
    const int n =
        EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data() + written),
                        reinterpret_cast<const unsigned char*>(standard.data() + offset), static_cast<int>(piece));
    if (n < 0) {
      return std::nullopt;
    }
    written += static_cast<size_t>(n);
  }
  out.resize(text.size() * 6 / 8);
  return out;
}

} // namespace pma::util
