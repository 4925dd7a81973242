// The registries as this machine reads them (include/pma/job/environment.hpp).
#include <pma/job/environment.hpp>

namespace pma::job {

RegistryReader::RegistryReader(const auth::CredentialStore& credentials, const bool tls_verify)
  : m_reader(credentials, {.tls_verify = tls_verify})
{
}

util::Result<std::optional<registry::Manifest>>
RegistryReader::read(const oci::ImageRef& tag)
{
  return m_reader.find(tag);
}

util::Result<std::optional<oci::Platform>>
RegistryReader::image_platform(const oci::ImageRef& image)
{
  PMA_TRY_ASSIGN(auto manifest, m_reader.find(image));
  if (!manifest) {
    return std::optional<oci::Platform>();
  }
  PMA_TRY_ASSIGN(auto platform, m_reader.platform_of(image, *manifest));
  return std::optional<oci::Platform>(std::move(platform));
}

} // namespace pma::job
