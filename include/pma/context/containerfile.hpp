#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace pma::context {

// The images a Containerfile pulls: every FROM (and COPY --from=image) that
// names an image, with ARG defaults and `build_args` substituted, normalised
// as podman reads them (no registry: docker.io). Stage names are skipped.
std::vector<std::string> base_images(std::string_view containerfile,
                                     const std::map<std::string, std::string>& build_args);

} // namespace pma::context
