#pragma once

#include <memory>
#include <string>
#include <string_view>

namespace pma::util {

// The SHA-256 of `bytes`, in lowercase hex (64 digits).
std::string sha256_hex(std::string_view bytes);

// SHA-256 over data given in pieces (OpenSSL's EVP digest).
class Sha256 {
public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  void update(std::string_view bytes);
  // Lowercase hex of everything given; the object is spent after this.
  std::string hex();

private:
  struct Context;
  std::unique_ptr<Context> m_context;
};

} // namespace pma::util
