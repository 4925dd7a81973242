// ~/.ssh/config text, resolved for a few host names. Inputs that Include
// other files are skipped: their globs would walk this machine's file system.
#include <pma/transport/ssh_config.hpp>

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <string>

extern "C" int
LLVMFuzzerTestOneInput(const uint8_t* data, const size_t size)
{
  std::string text(reinterpret_cast<const char*>(data), size);
  std::string lowered = text;
  std::transform(lowered.begin(), lowered.end(), lowered.begin(), [](unsigned char c) { return std::tolower(c); });
  if (lowered.find("include") != std::string::npos) {
    return 0;
  }
  const int fd = ::memfd_create("ssh_config", MFD_CLOEXEC);
  if (fd < 0 || ::write(fd, text.data(), text.size()) != static_cast<ssize_t>(text.size())) {
    if (fd >= 0) {
      ::close(fd);
    }
    return 0;
  }
  const pma::transport::SshConfigFiles files{.files = {"/proc/self/fd/" + std::to_string(fd)}, .local_user = "me"};
  for (const char* alias : {"p9", "build-1.example", "10.0.0.1"}) {
    if (auto config = pma::transport::resolve_ssh_config(alias, "", files)) {
      (void)config->accepts_new_host_keys();
    }
  }
  (void)pma::transport::parse_proxy_jump(text.substr(0, 200), "fuzz:1");
  ::close(fd);
  return 0;
}
