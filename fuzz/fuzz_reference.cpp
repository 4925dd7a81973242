// Image references, platforms, host URLs and durations: parse, print, parse again.
#include <pma/oci/platform.hpp>
#include <pma/oci/reference.hpp>
#include <pma/transport/url.hpp>
#include <pma/util/duration.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

extern "C" int
LLVMFuzzerTestOneInput(const uint8_t* data, const size_t size)
{
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  if (auto ref = pma::oci::ImageRef::parse(text)) {
    // What we print must parse back to the same reference.
    auto again = pma::oci::ImageRef::parse(ref->to_string());
    if (!again || !(*again == *ref)) {
      std::abort();
    }
  }
  if (auto platform = pma::oci::Platform::parse(text)) {
    auto again = pma::oci::Platform::parse(platform->to_string());
    if (!again || !(*again == *platform)) {
      std::abort();
    }
  }
  if (auto url = pma::transport::HostUrl::parse(text)) {
    (void)url->redacted();
  }
  (void)pma::util::parse_duration(text, "--timeout");
  return 0;
}
