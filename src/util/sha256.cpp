#include <pma/util/sha256.hpp>

#include <fmt/format.h>
#include <openssl/evp.h>

#include <array>

namespace pma::util {

namespace {

std::string
to_hex(const unsigned char* md, const unsigned int length)
{
  std::string out;
  out.reserve(size_t{length} * 2);
  for (unsigned int i = 0; i < length; ++i) {
    out += fmt::format("{:02x}", md[i]);
  }
  return out;
}

} // namespace

std::string
sha256_hex(const std::string_view bytes)
{
  std::array<unsigned char, EVP_MAX_MD_SIZE> md{};
  unsigned int length = 0;
  EVP_Digest(bytes.data(), bytes.size(), md.data(), &length, EVP_sha256(), nullptr);
  return to_hex(md.data(), length);
}

struct Sha256::Context {
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> md{EVP_MD_CTX_new(), &EVP_MD_CTX_free};
};

Sha256::Sha256()
  : m_context(std::make_unique<Context>())
{
  EVP_DigestInit_ex(m_context->md.get(), EVP_sha256(), nullptr);
}

Sha256::~Sha256() = default;

void
Sha256::update(const std::string_view bytes)
{
  EVP_DigestUpdate(m_context->md.get(), bytes.data(), bytes.size());
}

std::string
Sha256::hex()
{
  std::array<unsigned char, EVP_MAX_MD_SIZE> md{};
  unsigned int length = 0;
  EVP_DigestFinal_ex(m_context->md.get(), md.data(), &length);
  return to_hex(md.data(), length);
}

} // namespace pma::util
