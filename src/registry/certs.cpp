// certs.d: the per-registry TLS trust containers/image reads.
#include <pma/registry/reader.hpp>
#include <pma/util/fs.hpp>

#include <unistd.h>

#include <algorithm>

namespace pma::registry {

std::vector<std::filesystem::path>
default_cert_roots()
{
  std::vector<std::filesystem::path> roots;
  if (geteuid() != 0) {
    roots.push_back(util::xdg_config_home() / "containers" / "certs.d");
  }
  roots.emplace_back("/etc/containers/certs.d");
  roots.emplace_back("/etc/docker/certs.d");
  return roots;
}

transport::TlsSettings
tls_settings_for(const std::string_view registry, const std::vector<std::filesystem::path>& roots)
{
  transport::TlsSettings tls;
  tls.enabled = true;
  for (const auto& root : roots) {
    std::error_code ec;
    const auto dir = root / std::string(registry);
    if (!std::filesystem::is_directory(dir, ec)) {
      continue;
    }
    std::vector<std::filesystem::path> files;
    for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
      files.push_back(entry.path());
    }
    std::sort(files.begin(), files.end());
    for (const auto& file : files) {
      if (file.extension() == ".crt") {
        tls.ca_files.push_back(file.string());
      } else if (file.extension() == ".cert" && tls.cert_file.empty()) {
        auto key = file;
        key.replace_extension(".key");
        if (std::filesystem::exists(key, ec)) {
          tls.cert_file = file.string();
          tls.key_file = key.string();
        }
      }
    }
    break; // like containers/image: only the first directory that exists counts
  }
  return tls;
}

} // namespace pma::registry
