#include <pma/util/sha256.hpp>

#include <fmt/format.h>
#include <openssl/evp.h>

#include <array>

namespace pma::util {

std::string
sha256_hex(const std::string_view bytes)
{
  std::array<unsigned char, EVP_MAX_MD_SIZE> md{};
  unsigned int length = 0;
  EVP_Digest(bytes.data(), bytes.size(), md.data(), &length, EVP_sha256(), nullptr);
  std::string out;
  out.reserve(size_t{length} * 2);
  for (unsigned int i = 0; i < length; ++i) {
    out += fmt::format("{:02x}", md[i]);
  }
  return out;
}

} // namespace pma::util
