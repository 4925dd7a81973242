// Fragment files (include/pma/app/fragment_file.hpp). JSON boundary.
#include <pma/app/fragment_file.hpp>
#include <pma/oci/digest.hpp>
#include <pma/util/fs.hpp>
#include <pma/util/strings.hpp>
#include <pma/version.hpp>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cmath>
#include <ctime>
#include <fstream>

namespace pma::app {

using nlohmann::ordered_json;
// Read in the file's order: the runner's CI variables stay as written.
using json = nlohmann::ordered_json;
using util::ErrorClass;
using util::Result;

namespace {

constexpr const char* k_version_key = "podman-multiarch-fragment";

// The CI variables that say which job produced a fragment (GitHub Actions,
// GitLab CI and those that follow its names). A fixed list: GITHUB_TOKEN,
// CI_JOB_TOKEN and their kin are never read.
constexpr std::array k_ci_variables = {
    "GITHUB_SERVER_URL", "GITHUB_REPOSITORY",     "GITHUB_WORKFLOW", "GITHUB_RUN_ID",
    "GITHUB_RUN_NUMBER", "GITHUB_RUN_ATTEMPT",    "GITHUB_JOB",      "GITHUB_SHA",
    "GITHUB_REF",        "CI_SERVER_URL",         "CI_PROJECT_PATH", "CI_PIPELINE_ID",
    "CI_JOB_ID",         "CI_JOB_NAME",           "CI_JOB_URL",      "CI_COMMIT_SHA",
    "CI_RUNNER_ID",      "CI_RUNNER_DESCRIPTION",
};

ordered_json
image_json(const job::FragmentImage& image)
{
  ordered_json out = {
      {"platform", image.platform.to_string()}, {"digest", image.digest}, {"reference", image.reference.to_string()}};
  if (!image.staging_tag.empty()) {
    out["stagingTag"] = image.staging_tag;
  }
  out["host"] = image.host;
  out["podmanVersion"] = image.podman_version;
  out["durationSeconds"] = static_cast<double>(image.duration.count()) / 1000.0;
  if (!image.inputs.empty()) {
    out["inputs"] = image.inputs;
  }
  return out;
}

ordered_json
target_json(const job::FragmentTarget& target)
{
  ordered_json tags = ordered_json::array();
  for (const auto& tag : target.tags) {
    tags.push_back(tag.to_string());
  }
  ordered_json images = ordered_json::array();
  for (const auto& image : target.images) {
    images.push_back(image_json(image));
  }
  return {{"name", target.name},
          {"tags", tags},
          {"platforms", oci::to_strings(target.platforms)},
          {"format", target.format},
          {"indexAnnotations", target.index_annotations},
          {"descriptorAnnotations", target.descriptor_annotations},
          {"images", images}};
}

// Reads the fields of one JSON value, naming its path in every error.
class Fields {
public:
  Fields(const json& value, std::string path, const std::string& source)
    : m_value(value)
    , m_path(std::move(path))
    , m_source(source)
  {
  }

  util::Error
  error(const std::string& key, const std::string& what) const
  {
    return {ErrorClass::usage, fmt::format("{}: {}: {}", m_source, where(key), what),
            "a fragment is written by podman-multiarch build --fragment"};
  }
  std::string
  where(const std::string& key) const
  {
    return m_path.empty() ? key : m_path + "." + key;
  }
  const json*
  find(const std::string& key) const
  {
    const auto it = m_value.find(key);
    return it == m_value.end() || it->is_null() ? nullptr : &*it;
  }
  Result<std::string>
  text(const std::string& key, const bool required) const
  {
    const json* value = find(key);
    if (value == nullptr) {
      return required ? util::Unexpected(error(key, "missing")) : Result<std::string>(std::string());
    }
    if (!value->is_string()) {
      return util::Unexpected(error(key, "expected a string"));
    }
    return value->get<std::string>();
  }
  Result<std::vector<std::string>>
  texts(const std::string& key, const bool required) const
  {
    const json* value = find(key);
    if (value == nullptr) {
      return required ? util::Unexpected(error(key, "missing")) : Result<std::vector<std::string>>({});
    }
    if (!value->is_array()) {
      return util::Unexpected(error(key, "expected an array of strings"));
    }
    std::vector<std::string> out;
    for (const auto& item : *value) {
      if (!item.is_string()) {
        return util::Unexpected(error(key, "expected an array of strings"));
      }
      out.push_back(item.get<std::string>());
    }
    return out;
  }
  Result<oci::Platform>
  platform(const std::string& key, const std::string& text) const
  {
    auto platform = oci::Platform::parse(text);
    if (!platform) {
      return util::Unexpected(error(key, platform.error().message));
    }
    return platform;
  }

private:
  const json& m_value;
  std::string m_path;
  const std::string& m_source;
};

Result<job::FragmentImage>
parse_image(const json& value, const std::string& path, const std::string& source, const job::FragmentTarget& target)
{
  const Fields fields(value, path, source);
  if (!value.is_object()) {
    return util::Unexpected(fields.error("", "expected an object"));
  }
  job::FragmentImage image;
  PMA_TRY_ASSIGN(const auto platform_text, fields.text("platform", true));
  PMA_TRY_ASSIGN(image.platform, fields.platform("platform", platform_text));
  if (std::find(target.platforms.begin(), target.platforms.end(), image.platform) == target.platforms.end()) {
    return util::Unexpected(
        fields.error("platform", fmt::format("{} is not one of the target's platforms ({})", image.platform.to_string(),
                                             util::join(oci::to_strings(target.platforms), ", "))));
  }
  PMA_TRY_ASSIGN(image.digest, fields.text("digest", true));
  if (!oci::is_sha256_digest(image.digest)) {
    return util::Unexpected(fields.error("digest", fmt::format("'{}' is not a sha256 digest", image.digest)));
  }
  PMA_TRY_ASSIGN(const auto reference, fields.text("reference", true));
  auto ref = oci::ImageRef::parse(reference);
  if (!ref) {
    return util::Unexpected(fields.error("reference", ref.error().message));
  }
  if (ref->digest != image.digest) {
    return util::Unexpected(
        fields.error("reference", fmt::format("{} does not name the image's digest {}", reference, image.digest)));
  }
  image.reference = std::move(*ref);
  PMA_TRY_ASSIGN(image.staging_tag, fields.text("stagingTag", false));
  PMA_TRY_ASSIGN(image.host, fields.text("host", false));
  PMA_TRY_ASSIGN(image.podman_version, fields.text("podmanVersion", false));
  if (const json* seconds = fields.find("durationSeconds")) {
    if (!seconds->is_number() || seconds->get<double>() < 0) {
      return util::Unexpected(fields.error("durationSeconds", "expected a number of seconds"));
    }
    image.duration = std::chrono::milliseconds(std::llround(seconds->get<double>() * 1000.0));
  }
  if (const json* inputs = fields.find("inputs")) {
    if (!inputs->is_object()) {
      return util::Unexpected(fields.error("inputs", "expected an object of annotations"));
    }
    for (const auto& [key, item] : inputs->items()) {
      if (!item.is_string()) {
        return util::Unexpected(fields.error("inputs." + key, "expected a string"));
      }
      image.inputs[key] = item.get<std::string>();
    }
  }
  return image;
}

Result<job::FragmentTarget>
parse_target(const json& value, const std::string& path, const std::string& source)
{
  const Fields fields(value, path, source);
  if (!value.is_object()) {
    return util::Unexpected(fields.error("", "expected an object"));
  }
  job::FragmentTarget target;
  PMA_TRY_ASSIGN(target.name, fields.text("name", true));
  if (target.name.empty()) {
    return util::Unexpected(fields.error("name", "empty"));
  }
  PMA_TRY_ASSIGN(const auto tags, fields.texts("tags", true));
  for (const auto& text : tags) {
    auto tag = oci::ImageRef::parse(text);
    if (!tag || !tag->digest.empty()) {
      return util::Unexpected(
          fields.error("tags", tag ? fmt::format("{}: a tag cannot carry a digest", text) : tag.error().message));
    }
    target.tags.push_back(std::move(*tag));
  }
  if (target.tags.empty()) {
    return util::Unexpected(fields.error("tags", "empty: the list would go nowhere"));
  }
  PMA_TRY_ASSIGN(const auto platforms, fields.texts("platforms", true));
  for (const auto& text : platforms) {
    PMA_TRY_ASSIGN(auto platform, fields.platform("platforms", text));
    if (std::find(target.platforms.begin(), target.platforms.end(), platform) == target.platforms.end()) {
      target.platforms.push_back(std::move(platform));
    }
  }
  if (target.platforms.empty()) {
    return util::Unexpected(fields.error("platforms", "empty"));
  }
  PMA_TRY_ASSIGN(target.format, fields.text("format", false));
  if (target.format.empty()) {
    target.format = "oci";
  } else if (target.format != "oci" && target.format != "docker") {
    return util::Unexpected(fields.error("format", fmt::format("'{}' is neither oci nor docker", target.format)));
  }
  PMA_TRY_ASSIGN(target.index_annotations, fields.texts("indexAnnotations", false));
  PMA_TRY_ASSIGN(target.descriptor_annotations, fields.texts("descriptorAnnotations", false));
  const json* images = fields.find("images");
  if (images == nullptr || !images->is_array()) {
    return util::Unexpected(fields.error("images", images == nullptr ? "missing" : "expected an array"));
  }
  for (size_t i = 0; i < images->size(); ++i) {
    PMA_TRY_ASSIGN(auto image, parse_image((*images)[i], fmt::format("{}.images[{}]", path, i), source, target));
    target.images.push_back(std::move(image));
  }
  return target;
}

} // namespace

std::string
fragment_json(const job::Fragment& fragment)
{
  ordered_json ci = ordered_json::object();
  for (const auto& [name, value] : fragment.runner.ci) {
    ci[name] = value;
  }
  ordered_json targets = ordered_json::array();
  for (const auto& target : fragment.targets) {
    targets.push_back(target_json(target));
  }
  const ordered_json out = {{k_version_key, fragment.version},
                            {"runId", fragment.run_id},
                            {"toolVersion", fragment.tool_version},
                            {"created", fragment.created},
                            {"runner", {{"hostname", fragment.runner.hostname}, {"ci", ci}}},
                            {"targets", targets}};
  return out.dump(2) + "\n";
}

Result<job::Fragment>
parse_fragment(const std::string_view text, const std::string& source)
{
  json value;
  try {
    value = json::parse(text);
  } catch (const json::parse_error& e) {
    return util::Unexpected(util::Error(ErrorClass::usage, fmt::format("{}: not JSON: {}", source, e.what()),
                                        "a fragment is written by podman-multiarch build --fragment"));
  }
  const Fields fields(value, "", source);
  if (!value.is_object() || !value.contains(k_version_key)) {
    return util::Unexpected(util::Error(
        ErrorClass::usage, fmt::format("{}: not a podman-multiarch fragment (no \"{}\" key)", source, k_version_key),
        "a fragment is written by podman-multiarch build --fragment"));
  }
  const json& version = value.at(k_version_key);
  if (!version.is_number_integer() || version.get<int64_t>() != job::k_fragment_version) {
    return util::Unexpected(util::Error(ErrorClass::usage,
                                        fmt::format("{}: fragment format {}, this podman-multiarch reads format {}",
                                                    source, version.dump(), job::k_fragment_version),
                                        "publish with the podman-multiarch version that wrote it, or a newer one"));
  }
  job::Fragment fragment;
  PMA_TRY_ASSIGN(fragment.run_id, fields.text("runId", false));
  PMA_TRY_ASSIGN(fragment.tool_version, fields.text("toolVersion", false));
  PMA_TRY_ASSIGN(fragment.created, fields.text("created", false));
  if (const json* runner = fields.find("runner")) {
    const Fields runner_fields(*runner, "runner", source);
    if (!runner->is_object()) {
      return util::Unexpected(fields.error("runner", "expected an object"));
    }
    PMA_TRY_ASSIGN(fragment.runner.hostname, runner_fields.text("hostname", false));
    if (const json* ci = runner_fields.find("ci")) {
      if (!ci->is_object()) {
        return util::Unexpected(runner_fields.error("ci", "expected an object of strings"));
      }
      for (const auto& [name, item] : ci->items()) {
        if (!item.is_string()) {
          return util::Unexpected(runner_fields.error("ci." + name, "expected a string"));
        }
        fragment.runner.ci.emplace_back(name, item.get<std::string>());
      }
    }
  }
  const json* targets = fields.find("targets");
  if (targets == nullptr || !targets->is_array() || targets->empty()) {
    return util::Unexpected(fields.error("targets", targets == nullptr ? "missing" : "expected a non-empty array"));
  }
  for (size_t i = 0; i < targets->size(); ++i) {
    PMA_TRY_ASSIGN(auto target, parse_target((*targets)[i], fmt::format("targets[{}]", i), source));
    fragment.targets.push_back(std::move(target));
  }
  return fragment;
}

Result<job::Fragment>
read_fragment(const std::filesystem::path& path)
{
  std::error_code error;
  const auto size = std::filesystem::file_size(path, error);
  if (error) {
    return util::fail(ErrorClass::usage, fmt::format("cannot read fragment {}: {}", path.string(), error.message()));
  }
  if (size > k_max_fragment_size) {
    return util::fail(ErrorClass::usage, fmt::format("{}: {} bytes is too large for a fragment", path.string(), size));
  }
  auto text = util::read_file(path);
  if (!text) {
    return util::fail(ErrorClass::usage, text.error().message);
  }
  return parse_fragment(*text, path.string());
}

Result<void>
write_fragment(const std::filesystem::path& path, const job::Fragment& fragment)
{
  const std::filesystem::path partial = path.string() + ".partial";
  std::error_code error;
  {
    std::ofstream out(partial, std::ios::binary | std::ios::trunc);
    out << fragment_json(fragment);
    if (!out.flush()) {
      error = std::error_code(errno, std::generic_category());
    }
  }
  if (!error) {
    std::filesystem::rename(partial, path, error);
  }
  if (error) {
    std::error_code ignored;
    std::filesystem::remove(partial, ignored);
    return util::fail(ErrorClass::usage, fmt::format("cannot write fragment {}: {}", path.string(), error.message()));
  }
  return {};
}

Result<void>
check_fragment_path(const std::filesystem::path& path)
{
  std::error_code error;
  const auto directory = path.has_parent_path() ? path.parent_path() : std::filesystem::path(".");
  if (!std::filesystem::is_directory(directory, error) || std::filesystem::is_directory(path, error)) {
    return util::fail(
        util::ErrorClass::usage,
        fmt::format("--fragment {}: {}", path.string(),
                    std::filesystem::is_directory(path, error) ? "is a directory" : "its directory does not exist"));
  }
  return {};
}

Result<void>
write_run_fragment(const std::filesystem::path& path, const std::optional<job::Fragment>& pushed,
                   job::Progress& progress)
{
  if (!pushed) {
    return {};
  }
  job::Fragment fragment = *pushed;
  fragment.tool_version = k_version;
  fragment.created = utc_now();
  fragment.runner = current_runner();
  PMA_TRY(write_fragment(path, fragment));
  progress.info(fmt::format("fragment written to {}", path.string()));
  return {};
}

job::Runner
current_runner()
{
  job::Runner runner;
  std::array<char, 256> name{};
  if (::gethostname(name.data(), name.size() - 1) == 0) {
    runner.hostname = name.data();
  }
  for (const char* variable : k_ci_variables) {
    if (std::string value = util::env(variable); !value.empty()) {
      runner.ci.emplace_back(variable, std::move(value));
    }
  }
  return runner;
}

std::string
utc_now()
{
  const std::time_t now = std::time(nullptr);
  std::tm utc{};
  ::gmtime_r(&now, &utc);
  std::array<char, 32> text{};
  return {text.data(), std::strftime(text.data(), text.size(), "%Y-%m-%dT%H:%M:%SZ", &utc)};
}

} // namespace pma::app
