#include <pma/transport/failures.hpp>
#include <pma/util/strings.hpp>

#include <algorithm>
#include <array>
#include <string>

namespace pma::transport {

bool
mentions_transient_failure(const std::string_view text)
{
  // The markers util::is_transient matched in every message before errors
  // carried their own flag; the last two are also what Go's network errors
  // say, so podman's relayed text is judged as it was.
  static constexpr std::array k_markers = {
      "429 too many requests",
      "500 internal server error",
      "502 bad gateway",
      "503 service unavailable",
      "504 gateway timeout",
      "connection reset by peer",
      "connection refused",
      "unexpected eof",
      "i/o timeout",
      "tls handshake timeout",
      "broken pipe",
      "toomanyrequests",
      "http 429",
      "http 500",
      "http 502",
      "http 503",
      "http 504",
      "ended without",
      "closed while",
  };
  const std::string lower = util::to_lower(text);
  return std::ranges::any_of(k_markers,
                             [&lower](const char* marker) { return lower.find(marker) != std::string::npos; });
}

bool
is_transient_status(const int status)
{
  return status == 429 || status == 500 || status == 502 || status == 503 || status == 504;
}

} // namespace pma::transport
