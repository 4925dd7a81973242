#include <pma/transport/limits.hpp>

#include <fmt/format.h>

#include <charconv>

namespace pma::transport {

bool
BodyCollector::append(const std::string_view piece)
{
  if (m_exceeded || piece.size() > m_limit - m_body.size()) {
    m_exceeded = true;
    return false;
  }
  m_body.append(piece);
  return true;
}

bool
BodyCollector::admits(const std::string_view content_length) const
{
  uint64_t claimed = 0;
  const char* end = content_length.data() + content_length.size();
  const auto [ptr, ec] = std::from_chars(content_length.data(), end, claimed);
  if (ec == std::errc::result_out_of_range) {
    return false; // more digits than any limit
  }
  return ec != std::errc() || ptr != end || claimed <= m_limit;
}

std::string
format_size(const uint64_t bytes)
{
  constexpr uint64_t k_kib = 1024;
  constexpr uint64_t k_mib = k_kib * 1024;
  constexpr uint64_t k_gib = k_mib * 1024;
  const auto scaled = [bytes](const uint64_t unit, const char* name) {
    if (bytes % unit == 0) {
      return fmt::format("{} {}", bytes / unit, name);
    }
    return fmt::format("{:.1f} {}", static_cast<double>(bytes) / static_cast<double>(unit), name);
  };
  if (bytes >= k_gib) {
    return scaled(k_gib, "GiB");
  }
  if (bytes >= k_mib) {
    return scaled(k_mib, "MiB");
  }
  if (bytes >= k_kib) {
    return scaled(k_kib, "KiB");
  }
  return fmt::format("{} B", bytes);
}

std::string
describe_request(const std::string_view method, const std::string_view target)
{
  return fmt::format("{} {}", method, target.substr(0, target.find('?')));
}

util::Error
body_too_large(const std::string_view where, const std::string_view request, const size_t limit, const int status)
{
  const std::string answer = status >= 400 ? fmt::format("error answer (status {})", status) : std::string("answer");
  return {util::ErrorClass::protocol,
          fmt::format("{} sent more than {} in its {} to {}: refused", where, format_size(limit), answer, request),
          "a podman service or a registry answers this in far less: check what serves there"};
}

util::Error
deadline_passed(const std::string_view where, const std::string_view request, const std::chrono::milliseconds budget)
{
  return {util::ErrorClass::timeout, fmt::format("{} did not answer {} completely within {:.1f} s", where, request,
                                                 static_cast<double>(budget.count()) / 1000.0)};
}

} // namespace pma::transport
