#pragma once

#include <string_view>

namespace pma::transport {

// Whether a peer's error text says the failure may pass: what containers/image
// says (and podman relays) when a registry or the network fails under it, and
// what registries and proxies answer then (429, 5xx, a reset, refused or cut
// connection, a timeout). For the code that turns such text into a
// util::Error (Error::transient); case-insensitive.
bool mentions_transient_failure(std::string_view text);

// Whether an HTTP status says the same: 429 and the 5xx of an overloaded or
// unreachable upstream (500, 502, 503, 504).
bool is_transient_status(int status);

} // namespace pma::transport
