// The YAML config loader: any text gives a config or a located error.
#include <pma/config/config_file.hpp>

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int
LLVMFuzzerTestOneInput(const uint8_t* data, const size_t size)
{
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  if (auto config = pma::config::parse_config(text, "fuzz.yaml"); !config) {
    (void)config.error().describe();
  }
  return 0;
}
