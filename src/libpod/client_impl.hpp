#pragma once

// Private to src/libpod: the libpod client class, split over client.cpp (core),
// images.cpp (build, push) and manifests.cpp. JSON boundary: these files only.
#include <pma/libpod/client.hpp>

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace pma::libpod::detail {

// The most each kind of answer may bring (transport::HttpRequest::max_body).
// podman's answers are a few KiB (/info about 3 KiB, /version 1 KiB, an error
// under 1 KiB); the limits leave room for big hosts while keeping the client
// small whatever a host sends: a JSON document costs up to ~16 times its size
// once parsed, and the whole client stays under 32 MB.
inline constexpr size_t k_max_ping_body = size_t{4} << 10;
inline constexpr size_t k_max_info_body = size_t{1} << 20;     // /info, /version
inline constexpr size_t k_max_error_body = size_t{64} << 10;   // the error answer of a streamed call
inline constexpr size_t k_max_manifest_body = size_t{4} << 20; // the distribution spec's manifest limit

// Value of string member `key`, "" if absent or not a string.
std::string string_at(const nlohmann::json& object, const char* key);

// Whether a podman message means the registry refused our credentials.
bool mentions_auth_failure(const std::string& message);

// A query string of percent-encoded pairs.
class Query {
public:
  void add(std::string_view key, std::string_view value);
  void
  add_bool(std::string_view key, bool value)
  {
    add(key, value ? "true" : "false");
  }
  const std::string&
  text() const
  {
    return m_text;
  }

private:
  std::string m_text;
};

// The error of a stream that ended with podman's {"error": …}: "`failed`:
// `podman_error`", of class auth where the registry refused the credentials,
// else api; transient where podman's words say the registry or the network
// failed under it.
util::Error stream_error(const std::string& failed, const std::string& podman_error);

// The error of a stream that `parser` refused: a line past k_max_stream_line.
util::Error stream_line_too_long(std::string_view what);

// Adds `settings` to a build query in the form the handler of `version` reads
// (build_query.cpp); unsupported() must have accepted them.
void add_build_settings(Query& query, const std::vector<BuildSetting>& settings, const Version& version);

class RestClient : public LibpodClient {
public:
  RestClient(std::unique_ptr<transport::HttpClient> http, std::string host_name);

  util::Result<PingResult> ping() override;
  util::Result<HostInfo> info() override;
  const Capabilities&
  capabilities() const override
  {
    return *m_caps;
  }

  // images.cpp
  util::Result<std::string> build(const BuildRequest& request, const transport::BodyStream& context,
                                  const std::function<void(const BuildEvent&)>& on_event) override;
  util::Result<ImageInfo> inspect_image(const std::string& image) override;
  util::Result<std::string> push_image(const PushRequest& request,
                                       const std::function<void(std::string_view)>& on_progress) override;
  util::Result<void> remove_image(const std::string& image) override;
  util::Result<std::vector<std::string>> image_names(const std::string& reference) override;
  util::Result<void> tag_image(const std::string& image, const std::string& name) override;
  util::Result<std::map<std::string, std::string>>
  image_ids_by_digest(const std::vector<std::string>& digests) override;

  // manifests.cpp
  util::Result<std::string> manifest_create(const std::string& name, const std::vector<std::string>& index_annotations,
                                            bool amend) override;
  util::Result<std::string> manifest_add(const std::string& name, const ManifestAddRequest& request) override;
  util::Result<std::string> manifest_push(const std::string& name, const ManifestPushRequest& request) override;
  util::Result<void> manifest_delete(const std::string& name) override;
  util::Result<RemoveReport> manifest_rm(const std::vector<std::string>& names, bool ignore) override;
  util::Result<bool> manifest_exists(const std::string& name) override;
  util::Result<std::string> manifest_annotate(const std::string& name, const ManifestAnnotateRequest& request) override;
  util::Result<std::string> manifest_remove(const std::string& name, const std::string& digest) override;
  util::Result<std::optional<oci::Index>> manifest_inspect(const std::string& reference, const std::string& auth_config,
                                                           std::optional<bool> tls_verify) override;

private:
  // "/v{negotiated}/libpod{route}"
  std::string path(std::string_view route) const;

  // Sends; transport errors and (unless `missing_is_ok` and 404) non-2xx
  // answers become errors naming `what` and the host.
  util::Result<transport::HttpResponse> call(const transport::HttpRequest& request, std::string_view what,
                                             bool missing_is_ok = false);

  // Sends a streaming request whose body is decoded by `on_data` (HTTP 200
  // expected; an error answer is collected up to k_max_error_body). `on_data`
  // returns false to refuse the stream (a line past its limit): the request
  // is cut and the result is `refused()`'s error, tagged with the host.
  util::Result<void> stream(transport::HttpRequest request, std::string_view what,
                            const std::function<bool(std::string_view)>& on_data,
                            const std::function<util::Error()>& refused);

  util::Error tag(util::Error error) const;
  // `result`, with its error (if any) tagged with the host.
  template <typename T>
  util::Result<T>
  tagged(util::Result<T> result) const
  {
    if (!result) {
      return util::Unexpected(tag(std::move(result).error()));
    }
    return result;
  }
  util::Unexpected not_negotiated() const;

  std::unique_ptr<transport::HttpClient> m_http;
  const std::string m_host;
  std::optional<Capabilities> m_caps;
};

} // namespace pma::libpod::detail
