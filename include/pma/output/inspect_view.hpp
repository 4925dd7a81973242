#pragma once

#include <pma/oci/platform.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace pma::output {

using Annotations = std::map<std::string, std::string>;

// One entry of an index, or the single image.
struct InspectRow {
  oci::Platform platform; // empty fields: the entry names no platform
  std::string digest;
  std::string media_type;
  int64_t size = 0;
  std::optional<Annotations> annotations; // nullopt: the source cannot tell
};

// What `inspect IMAGE` shows. Optional fields are unknown to the source (a
// podman host cannot report an index's digest, for example): the views print
// "n/a" for them instead of pretending there is nothing.
struct InspectView {
  std::string reference;
  std::string source;                     // "registry 127.0.0.1:5000", "host amd64 (podman 4.3.1)"
  std::optional<std::string> digest;      // of the manifest the reference names
  std::optional<std::string> media_type;  // of that manifest
  std::optional<int64_t> size;            // of that manifest, in bytes
  std::optional<bool> is_list;            // nullopt: one entry, list or single image unknown
  std::optional<Annotations> annotations; // of the index
  std::vector<InspectRow> rows;
};

// Header line, optional index annotations, then PLATFORM DIGEST SIZE ANNOTATIONS.
std::string inspect_table(const InspectView& view);

// A stable JSON shape; unknown values are null.
std::string inspect_json(const InspectView& view);

// Byte counts as podman prints them: 3 significant digits, decimal units
// ("570B", "1.15kB", "12.3MB").
std::string human_size(int64_t bytes);

} // namespace pma::output
