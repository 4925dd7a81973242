// containers.conf (TOML) and podman-connections.json: the first byte picks the reader.
#include <pma/config/podman_conf.hpp>

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int
LLVMFuzzerTestOneInput(const uint8_t* data, const size_t size)
{
  if (size == 0) {
    return 0;
  }
  const std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  pma::config::PodmanSettings settings;
  const auto merged = (data[0] & 1) != 0 ? pma::config::merge_containers_conf(text, "containers.conf", settings)
                                         : pma::config::merge_connections_json(text, "connections.json", settings);
  if (merged) {
    (void)settings.connection_names();
    (void)settings.farm_names();
  }
  return 0;
}
