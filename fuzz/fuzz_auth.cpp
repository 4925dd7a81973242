// Auth files (containers-auth.json), and the registry's challenge and manifest parsers.
#include <pma/auth/credentials.hpp>
#include <pma/libpod/client.hpp>
#include <pma/registry/reader.hpp>
#include <pma/util/base64.hpp>

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int
LLVMFuzzerTestOneInput(const uint8_t* data, const size_t size)
{
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  if (auto store = pma::auth::CredentialStore::from_auth_json(text, "auth.json")) {
    (void)store->lookup("quay.io/acme/app");
    (void)store->source_of("quay.io/acme/app");
  }
  (void)pma::util::base64_decode(text);
  (void)pma::registry::parse_challenge(text);
  (void)pma::oci::parse_index(text);
  return 0;
}
