#pragma once

#include <string>
#include <string_view>

namespace pma::oci {

// "sha256:<hex>" of `bytes`: a content digest as registries compute it.
std::string digest_of(std::string_view bytes);

// Whether `text` is "sha256:" followed by 64 lowercase hex digits.
bool is_sha256_digest(std::string_view text);

} // namespace pma::oci
