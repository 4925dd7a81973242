#pragma once

#include <pma/oci/platform.hpp>
#include <pma/util/error.hpp>

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace pma::oci {

struct IndexEntry {
  std::string digest;
  std::string media_type;
  int64_t size = 0;
  Platform platform;
  std::map<std::string, std::string> annotations;
};

// A manifest list / image index as a host reads it.
struct Index {
  std::string body;     // the JSON as the host returned it
  bool is_list = false; // false: a single image manifest
  std::string media_type;
  std::vector<IndexEntry> manifests;
  std::map<std::string, std::string> annotations;
};

// Parses an index, a manifest list or an image manifest (is_list false).
// "manifests": null counts as an empty list when the media type is a list's.
util::Result<Index> parse_index(std::string_view body);

} // namespace pma::oci
