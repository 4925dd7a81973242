#pragma once

#include <pma/util/error.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace pma::transport {

// How long to wait for a connection to be established.
inline constexpr std::chrono::milliseconds k_default_connect_timeout{std::chrono::seconds(10)};
// How long a request may go without receiving a single byte. Builds pass their
// own, longer value: a compile step can be silent for minutes.
inline constexpr std::chrono::milliseconds k_default_idle_timeout{std::chrono::seconds(60)};
// The most response-body bytes a request collects unless it says otherwise
// (HttpRequest::max_body): libpod's answers are a few KiB.
inline constexpr size_t k_default_max_body = size_t{1} << 20;

using Deadline = std::chrono::steady_clock::time_point;

// HTTPS settings of a TCP endpoint (registries; podman services speak plain HTTP).
struct TlsSettings {
  bool enabled = false;
  bool verify = true;                // certificate chain and host name
  std::vector<std::string> ca_files; // trusted in addition to the system's CAs
  std::string cert_file;             // client certificate (PEM), optional
  std::string key_file;
};

// The local end an HTTP client connects to: a Unix socket (also the SSH bridge)
// or a TCP address.
struct Endpoint {
  std::string unix_path;
  std::string host;
  uint16_t port = 0;
  std::string label; // what logs and errors call it (a redacted URL); empty: the address
  TlsSettings tls;
  // Put before every request's target: a tcp:// URL's path ("/prefix"), as
  // podman's and Docker's clients do for a service behind a path-routing proxy.
  std::string path_prefix;
  // Keep the connection open between the requests of one HttpClient (a
  // registry's: each new TLS connection costs a handshake). Such a client
  // serves one thread at a time.
  bool keep_alive = false;

  bool
  is_unix() const
  {
    return !unix_path.empty();
  }
};

using HttpHeaders = std::vector<std::pair<std::string, std::string>>;

// Takes the next piece of a request body; false once the connection is gone.
using BodyWriter = std::function<bool(const char* data, size_t size)>;

// Produces a request body by calling the writer with successive pieces. An
// error of its own (a file it cannot read) ends the request and is what
// HttpClient::send returns; after the writer returned false, the transport's
// error (the connection's) is returned instead, whatever the stream says.
using BodyStream = std::function<util::Result<void>(const BodyWriter& write)>;

struct HttpRequest {
  std::string method = "GET";
  std::string target; // path and query, already percent-encoded
  HttpHeaders headers;
  std::string body;
  std::string content_type;
  // If set, the body is produced by calling it with a writer (and sent with
  // chunked transfer encoding): memory stays flat whatever the body's size.
  BodyStream body_stream;
  // If set, a successful (< 400) response body is handed over piece by piece as
  // it arrives instead of being collected; returning false cancels the request.
  std::function<bool(std::string_view)> on_data;
  std::optional<std::chrono::milliseconds> idle_timeout;
  // The most bytes of body collected into HttpResponse::body: every answer
  // without on_data, and the error answer (>= 400) of a call with on_data
  // (whose success body is on_data's to bound). A body that grows past it, or
  // whose Content-Length claims more, ends the request with an error of class
  // protocol naming the endpoint, the request and the limit; it is not
  // transient (util::is_transient), so it is not retried. Each caller states
  // what its answer can reasonably be; memory stays at the limit whatever the
  // peer sends.
  size_t max_body = k_default_max_body;
  // If set, the whole exchange (connect, send, every byte of the answer,
  // on_data included) ends by then, however slowly the peer trickles bytes:
  // idle_timeout alone never fires for a peer that sends one byte every
  // second. At the deadline the connection is cut and the request fails with
  // an error of class timeout; a deadline already past fails at once without
  // connecting. Use it for answers that must be quick (/_ping: the connect
  // timeout bounds the whole answer) and for budgets (cleanup after Ctrl-C or
  // --timeout). Ctrl-C still cuts the request earlier (class interrupted).
  // The thread's util::deadline applies too: the earlier of the two wins.
  std::optional<Deadline> deadline;
};

struct HttpResponse {
  int status = 0;
  HttpHeaders headers;
  std::string body;

  // Value of header `name` (case-insensitive), "" if absent.
  std::string header(std::string_view name) const;
};

// Sends HTTP requests to one podman socket. An interface so that the libpod
// client can be tested without sockets.
class HttpClient {
public:
  virtual ~HttpClient() = default;

  // Transport failures become errors of class connect, timeout, protocol or
  // interrupted, and a body stream's own error is returned as it is; any HTTP
  // status is a successful result.
  virtual util::Result<HttpResponse> send(const HttpRequest& request) = 0;

  // How long connecting may take; also the budget for requests that must be quick.
  virtual std::chrono::milliseconds connect_timeout() const = 0;
};

// One HTTP/1.1 request per call over a fresh connection to `endpoint`.
// Calls may run concurrently.
std::unique_ptr<HttpClient> make_http_client(Endpoint endpoint,
                                             std::chrono::milliseconds connect_timeout = k_default_connect_timeout,
                                             std::chrono::milliseconds idle_timeout = k_default_idle_timeout);

// "%2F"-style encoding of one path segment or query value (RFC 3986 unreserved
// characters kept).
std::string url_encode(std::string_view text);

} // namespace pma::transport
