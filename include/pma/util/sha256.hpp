#pragma once

#include <string>
#include <string_view>

namespace pma::util {

// The SHA-256 of `bytes`, in lowercase hex (64 digits).
std::string sha256_hex(std::string_view bytes);

} // namespace pma::util
