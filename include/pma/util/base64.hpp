#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace pma::util {

// RFC 4648 base64, padded: the standard alphabet, or with `url_safe` the URL
// and file name safe one ('-' and '_' for '+' and '/').
std::string base64_encode(std::string_view data, bool url_safe);

// Either alphabet (even mixed), with or without padding; nullopt for any other
// character (line breaks included) or a length that no encoding has.
std::optional<std::string> base64_decode(std::string_view text);

} // namespace pma::util
