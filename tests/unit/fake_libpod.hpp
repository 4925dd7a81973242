#pragma once

#include <pma/libpod/client.hpp>

#include <deque>
#include <string>
#include <vector>

namespace pma::test {

// A podman service in memory: canned answers to the manifest calls, and a
// log of what was asked ("create NAME", "add NAME IMAGE", …).
class FakeLibpod : public libpod::LibpodClient {
public:
  explicit FakeLibpod(libpod::Version version = {5, 4, 2})
    : m_caps(version)
  {
  }

  std::vector<std::string> calls;
  std::vector<libpod::ManifestAddRequest> added;
  std::vector<libpod::ManifestAnnotateRequest> annotated;
  std::vector<libpod::ManifestPushRequest> pushed;
  bool exists = false;
  util::Result<std::string> add_result = std::string("sha256:list");
  // Answers of manifest_inspect, in order; when none is left, "no such list".
  std::deque<util::Result<std::optional<oci::Index>>> inspections;

  util::Result<libpod::PingResult>
  ping() override
  {
    return libpod::PingResult{};
  }
  util::Result<libpod::HostInfo>
  info() override
  {
    return util::fail(util::ErrorClass::internal, "not faked");
  }
  const libpod::Capabilities&
  capabilities() const override
  {
    return m_caps;
  }
  util::Result<std::string>
  build(const libpod::BuildRequest& /*request*/, const transport::BodyStream& /*context*/,
        const std::function<void(const libpod::BuildEvent&)>& /*on_event*/) override
  {
    return util::fail(util::ErrorClass::internal, "not faked");
  }
  util::Result<libpod::ImageInfo>
  inspect_image(const std::string& /*image*/) override
  {
    return util::fail(util::ErrorClass::internal, "not faked");
  }
  util::Result<std::string>
  push_image(const libpod::PushRequest& /*request*/,
             const std::function<void(std::string_view)>& /*on_progress*/) override
  {
    return util::fail(util::ErrorClass::internal, "not faked");
  }
  util::Result<void>
  remove_image(const std::string& /*image*/) override
  {
    return {};
  }
  util::Result<std::vector<std::string>>
  image_names(const std::string& /*reference*/) override
  {
    return std::vector<std::string>{};
  }
  util::Result<void>
  tag_image(const std::string& /*image*/, const std::string& /*name*/) override
  {
    return util::fail(util::ErrorClass::internal, "not faked");
  }
  util::Result<std::map<std::string, std::string>>
  image_ids_by_digest(const std::vector<std::string>& /*digests*/) override
  {
    return util::fail(util::ErrorClass::internal, "not faked");
  }
  util::Result<std::string>
  manifest_create(const std::string& name, const std::vector<std::string>& annotations, const bool amend) override
  {
    calls.push_back("create " + name + (amend ? " amend" : "") + (annotations.empty() ? "" : " annotated"));
    return std::string("sha256:created");
  }
  util::Result<std::string>
  manifest_add(const std::string& name, const libpod::ManifestAddRequest& request) override
  {
    calls.push_back("add " + name + " " + request.image);
    added.push_back(request);
    return add_result;
  }
  util::Result<std::string>
  manifest_push(const std::string& name, const libpod::ManifestPushRequest& request) override
  {
    calls.push_back("push " + name + " " + request.destination);
    pushed.push_back(request);
    return std::string("sha256:pushed");
  }
  util::Result<void>
  manifest_delete(const std::string& name) override
  {
    calls.push_back("delete " + name);
    return {};
  }
  util::Result<libpod::RemoveReport>
  manifest_rm(const std::vector<std::string>& names, const bool /*ignore*/) override
  {
    for (const auto& name : names) {
      calls.push_back("rm " + name);
    }
    return libpod::RemoveReport{};
  }
  util::Result<bool>
  manifest_exists(const std::string& name) override
  {
    calls.push_back("exists " + name);
    return exists;
  }
  util::Result<std::string>
  manifest_annotate(const std::string& name, const libpod::ManifestAnnotateRequest& request) override
  {
    calls.push_back("annotate " + name);
    annotated.push_back(request);
    return std::string("sha256:annotated");
  }
  util::Result<std::string>
  manifest_remove(const std::string& name, const std::string& digest) override
  {
    calls.push_back("remove " + name + " " + digest);
    return std::string("sha256:removed");
  }
  util::Result<std::optional<oci::Index>>
  manifest_inspect(const std::string& reference, const std::string& /*auth_config*/,
                   std::optional<bool> /*tls_verify*/) override
  {
    calls.push_back("inspect " + reference);
    if (inspections.empty()) {
      return std::optional<oci::Index>();
    }
    auto answer = std::move(inspections.front());
    inspections.pop_front();
    return answer;
  }

private:
  libpod::Capabilities m_caps;
};

} // namespace pma::test
