// What the manifest verbs print, as podman prints it. JSON boundary.
#include <pma/output/manifest_view.hpp>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace pma::output {

std::string
podman_json(const std::string& body)
{
  const auto json = nlohmann::ordered_json::parse(body, nullptr, false);
  if (json.is_discarded()) {
    return body;
  }
  std::string out;
  for (const char c : json.dump(4)) {
    switch (c) {
    case '<':
      out += "\\u003c";
      break;
    case '>':
      out += "\\u003e";
      break;
    case '&':
      out += "\\u0026";
      break;
    default:
      out += c;
    }
  }
  return out;
}

std::string
removal_text(const libpod::RemoveReport& report)
{
  std::string out;
  for (const auto& name : report.untagged) {
    out += fmt::format("Untagged: {}\n", name);
  }
  for (const auto& id : report.deleted) {
    out += fmt::format("Deleted: {}\n", id);
  }
  return out;
}

} // namespace pma::output
