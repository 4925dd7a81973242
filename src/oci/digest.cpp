#include <pma/oci/digest.hpp>
#include <pma/util/sha256.hpp>

namespace pma::oci {

std::string
digest_of(const std::string_view bytes)
{
  return "sha256:" + util::sha256_hex(bytes);
}

bool
is_sha256_digest(const std::string_view text)
{
  if (text.size() != 71 || !text.starts_with("sha256:")) {
    return false;
  }
  return text.substr(7).find_first_not_of("0123456789abcdef") == std::string_view::npos;
}

} // namespace pma::oci
