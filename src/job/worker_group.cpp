// Several platforms of one host in one build request (group.hpp): run by the
// first platform of the group to start, for all of them. podman 4.3.1 and 5.4.2
// build each platform of a request (platform= repeated) into the local list
// manifest=, and say which image is which nowhere else (docs/podman-quirks.md).
#include <pma/job/request.hpp>
#include <pma/util/interrupt.hpp>

#include <fmt/format.h>

#include <algorithm>

#include "worker.hpp"

namespace pma::job::detail {

using Share = BuildGroup::Share;
using util::Error;
using util::ErrorClass;

namespace {

std::vector<Share>
all_alone(std::vector<Share> shares, const std::string& why)
{
  for (auto& share : shares) {
    share.kind = Share::Kind::alone;
    share.why = why;
  }
  return shares;
}

} // namespace

std::string
Worker::group_image_name() const
{
  return m_names.make(m_run.kind("group-build"), &m_result.platform);
}

std::vector<Share>
Worker::lead_group(hosts::Session& host)
{
  const auto& platforms = m_group->platforms();
  const size_t count = platforms.size();
  std::vector<Share> shares(count);
  auto prepared = prepare(host, m_group->contexts());
  if (!prepared) {
    return all_alone(std::move(shares), fmt::format("one request for {} platforms could not be made ({})", count,
                                                    prepared.error().message));
  }
  libpod::BuildRequest request = std::move(*prepared);
  for (const auto& platform : platforms) {
    if (platform != m_result.platform) {
      const std::string text = platform_text(m_run.options, platform);
      request.more_platforms.push_back(text.empty() ? platform.to_string() : text);
    }
  }
  // The images' only record of their platforms; removed once they are named.
  const std::string list = m_names.make(m_run.kind("group"), &m_result.platform);
  m_names.own(m_result.host, list);
  request.manifest = list;
  // Every image the request commits carries this name for a moment (the last
  // keeps it): one committed after the request failed, which podman 5 goes on
  // building, is then the run's to remove rather than an unnamed leftover.
  request.tags = {group_image_name()};
  m_names.own(m_result.host, request.tags.front());
  if (!request.jobs || (*request.jobs != 0 && *request.jobs < static_cast<int>(count))) {
    request.jobs = static_cast<int>(count); // the platforms at once, as separate requests would be
  }

  const context::ContextPlan& plan = m_inputs.context_for(m_run.options, m_result.platform);
  const auto compression = compression_for(m_run.options, host.host());
  for (const auto& platform : platforms) {
    m_run.progress().phase(m_run.target, platform, m_result.host, Phase::upload,
                           fmt::format("{}, one upload for {} platforms", upload_note(plan, compression), count));
  }
  std::vector<libpod::LogTail> tails(count);
  std::optional<size_t> current; // the platform the last prefixed line named
  bool building = false;
  auto image =
      host.client().build(request, m_inputs.tars->body(plan, compression), [&](const libpod::BuildEvent& event) {
        if (!building) {
          building = true;
          for (const auto& platform : platforms) {
            m_run.progress().phase(m_run.target, platform, m_result.host, Phase::build, "");
          }
        }
        std::string_view text = event.text;
        if (auto named = line_platform(text, platforms)) {
          current = named->first;
          text = named->second;
        }
        // A line no prefix names goes to the platform named last (with several
        // at once, podman's lines interleave), or before any, to every one.
        for (size_t i = current.value_or(0); i < (current ? *current + 1 : count); ++i) {
          show_event(platforms[i], event, text, &tails[i]);
        }
      });
  for (size_t i = 0; i < count; ++i) {
    shares[i].log.assign(tails[i].lines().begin(), tails[i].lines().end());
  }
  if (image) {
    return map_group_images(host, list, std::move(shares));
  }
  Error error = std::move(image).error();
  if (error.connection_lost() || error.cls == ErrorClass::interrupted || util::interrupt::requested()) {
    error.message += building ? " during the build" : " during the context upload";
    for (auto& share : shares) {
      share.kind = Share::Kind::failed;
      share.image = util::Unexpected(error);
    }
    return shares;
  }
  const auto failed = error_platform(error.message, platforms);
  if (!failed) {
    return all_alone(std::move(shares), "its build in one request with the host's other platforms failed, naming "
                                        "none of them (podman 4 does not)");
  }
  const std::string why =
      fmt::format("it was built in one request with {}, which failed", platforms[*failed].to_string());
  shares = all_alone(std::move(shares), why);
  shares[*failed].kind = Share::Kind::failed;
  shares[*failed].image = util::Unexpected(std::move(error));
  return shares;
}

// The list names each platform's image by its manifest digest; each gets the
// name it would have had built alone, and the list goes.
std::vector<Share>
Worker::map_group_images(hosts::Session& host, const std::string& list, std::vector<Share> shares)
{
  const auto& platforms = m_group->platforms();
  auto& client = host.client();
  auto index = client.manifest_inspect(list, "", std::nullopt);
  if (!index || !*index) {
    return all_alone(std::move(shares), fmt::format("the list {} of its build in one request with the host's other "
                                                    "platforms could not be read ({})",
                                                    list, index ? "not found" : index.error().message));
  }
  std::vector<std::string> digests;
  for (const auto& entry : (*index)->manifests) {
    digests.push_back(entry.digest);
  }
  auto ids = client.image_ids_by_digest(digests);
  for (size_t i = 0; i < platforms.size(); ++i) {
    const auto& entries = (*index)->manifests;
    const auto entry = std::find_if(entries.begin(), entries.end(),
                                    [&](const oci::IndexEntry& e) { return e.platform == platforms[i]; });
    std::string id;
    if (ids && entry != entries.end() && ids->contains(entry->digest)) {
      id = ids->at(entry->digest);
    }
    const std::string name = image_name_for(platforms[i]);
    m_names.own(m_result.host, name);
    auto tagged = !id.empty() ? client.tag_image(id, name)
                  : ids       ? util::Result<void>(util::fail(ErrorClass::api, "no image has its digest"))
                              : util::Result<void>(util::Unexpected(ids.error()));
    if (!tagged) {
      shares[i].kind = Share::Kind::alone;
      shares[i].why =
          fmt::format("its image from the build in one request was not found on the host ({})", tagged.error().message);
      continue;
    }
    shares[i].kind = Share::Kind::built;
    shares[i].image = id;
  }
  // Neither removes a named image (the list: never those it lists; the name: only
  // from an image that has others). If they fail, the run's cleanup removes them.
  static_cast<void>(client.manifest_rm({list}, /*ignore=*/true));
  static_cast<void>(client.remove_image(group_image_name()));
  return shares;
}

} // namespace pma::job::detail
