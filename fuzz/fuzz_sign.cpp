// What a registry hands back as a signature: the payload (read strictly) and
// public key files; a payload that reads must say what it was read from.
#include <pma/sign/key.hpp>
#include <pma/sign/signature.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

extern "C" int
LLVMFuzzerTestOneInput(const uint8_t* data, const size_t size)
{
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  if (auto claims = pma::sign::parse_payload(text)) {
    auto again = pma::sign::parse_payload(pma::sign::payload(*claims, "fuzz", 0));
    if (!again || again->docker_reference != claims->docker_reference ||
        again->manifest_digest != claims->manifest_digest) {
      std::abort();
    }
  }
  if (auto key = pma::sign::PublicKey::parse(text, "fuzz")) {
    (void)key->verifies(text, text);
  }
  (void)pma::sign::attachment_tag(text);
  return 0;
}
