#pragma once

#include <pma/util/error.hpp>

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

// What bounds a request besides its peer: how much of a body is collected and
// how long the whole exchange may take (HttpRequest::max_body, ::deadline).
// Plain logic, used by http.cpp and unit-tested without sockets.
namespace pma::transport {

// Collects a response body up to `limit` bytes; past it, keeps nothing more
// and says so, so that the request can be cut.
class BodyCollector {
public:
  explicit BodyCollector(size_t limit)
    : m_limit(limit)
  {
  }

  // False once the body would pass the limit (the piece is then dropped).
  bool append(std::string_view piece);

  // False if a Content-Length value claims more than the limit: the request
  // can stop before a byte of the body is read. Unreadable values pass (the
  // bytes themselves are counted).
  bool admits(std::string_view content_length) const;

  bool
  exceeded() const
  {
    return m_exceeded;
  }
  size_t
  limit() const
  {
    return m_limit;
  }
  std::string&
  body()
  {
    return m_body;
  }

private:
  size_t m_limit;
  std::string m_body;
  bool m_exceeded = false;
};

// "4 KiB", "1 MiB", "1.5 MiB", "300 B": sizes in messages.
std::string format_size(uint64_t bytes);

// "GET /v4.3.1/libpod/info": the request as messages name it, without the
// query (long, and the caller's business).
std::string describe_request(std::string_view method, std::string_view target);

// The error of a body past its limit (class protocol: the peer is broken or
// hostile, and trying again will not help). `status` 0: not known.
util::Error body_too_large(std::string_view where, std::string_view request, size_t limit, int status);

// The error of a request cut at its deadline (class timeout); `budget` is
// how long it had.
util::Error deadline_passed(std::string_view where, std::string_view request, std::chrono::milliseconds budget);

} // namespace pma::transport
