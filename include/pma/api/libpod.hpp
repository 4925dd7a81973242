#pragma once

#include <pma/api/platform.hpp>
#include <pma/api/version.hpp>
#include <pma/transport/http.hpp>
#include <pma/util/error.hpp>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace pma::api {

struct PingResult {
  Version api_version; // Libpod-API-Version
  std::chrono::microseconds round_trip{0};
};

struct HostInfo {
  std::string podman_version; // version.Version
  Version api_version;
  Platform native;
  bool variant_inferred = false; // before 4.8 /info has no variant: arm64 → v8 is ours
  // host.emulatedArchitectures (podman ≥ 5.6); nullopt when the server cannot say.
  std::optional<std::vector<Platform>> emulated;
  std::string kernel;
  std::string os_release;
};

// The libpod REST API of one podman service. Call ping() first: it negotiates
// the API version that every later call puts in its path.
class LibpodClient {
public:
  virtual ~LibpodClient() = default;

  // GET /_ping; refuses servers older than k_min_server_version.
  virtual util::Result<PingResult> ping() = 0;
  // GET /v{ver}/libpod/info.
  virtual util::Result<HostInfo> info() = 0;

  // Valid after a successful ping().
  virtual const Capabilities& capabilities() const = 0;
};

// A client speaking to the service behind `http`. `host_name` labels errors.
std::unique_ptr<LibpodClient> make_libpod_client(std::unique_ptr<transport::HttpClient> http, std::string host_name);

// Turns a non-2xx libpod response into an error: JSON bodies
// ({"cause","message","response"}) and plain-text router errors alike.
util::Error error_from_response(const transport::HttpResponse& response, std::string_view what);

// Parses the body of GET /libpod/info (exposed for tests).
util::Result<HostInfo> parse_info(std::string_view body, Version api_version);

} // namespace pma::api
