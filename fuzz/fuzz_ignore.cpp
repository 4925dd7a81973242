// Ignore files: the rules are the text before the first NUL, the paths to
// match are the NUL-separated pieces after it. Besides not crashing, the
// walk's shortcut must hold: where may_reinclude_below(dir) says no, no '!'
// rule matches a path below dir.
#include <pma/context/ignore.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

extern "C" int
LLVMFuzzerTestOneInput(const uint8_t* data, const size_t size)
{
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const size_t split = input.find('\0');
  auto rules = pma::context::IgnoreRules::parse(input.substr(0, split), ".containerignore");
  if (!rules || split == std::string_view::npos) {
    return 0;
  }
  std::string_view paths = input.substr(split + 1);
  while (!paths.empty()) {
    const size_t end = paths.find('\0');
    const std::string path = pma::context::clean_path(paths.substr(0, end));
    (void)rules->excluded(path);
    const bool reincluded = rules->reincludes(path);
    for (size_t slash = path.find('/'); slash != std::string::npos; slash = path.find('/', slash + 1)) {
      if (reincluded && !rules->may_reinclude_below(std::string_view(path).substr(0, slash))) {
        std::abort();
      }
    }
    paths = end == std::string_view::npos ? std::string_view() : paths.substr(end + 1);
  }
  return 0;
}
