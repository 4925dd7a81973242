#pragma once

// Private to src/bake: the keys of a target (podman-multiarch-bake.yaml(5),
// TARGET KEYS), one table for the file reader, --set and the resolver.
#include <pma/libpod/build_settings.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace pma::bake::detail {

// How a key's value is written.
enum class Shape {
  scalar,  // one value
  list,    // one value or a list (a map KEY: VALUE gives "KEY=VALUE")
  entries, // a map NAME: VALUE or a list of NAME=VALUE (args, labels, contexts)
  nested,  // platform-args, matrix: read by hand
};

// How a later file (or --set +=) combines a key with an earlier value.
enum class Merge {
  replace, // the later value wins
  append,  // the values add up (annotations, secrets, cache-from, ulimit, add-host)
};

struct Key {
  std::string name;
  Shape shape;
  Merge merge = Merge::replace;
  char separator = '=';                          // in "KEY<separator>VALUE" from a map
  const libpod::BuildOptionSpec* spec = nullptr; // a forwarded `podman build` option
};

// The key `name` names, or null.
const Key* find_key(std::string_view name);

// Every key's name, for "did you mean".
const std::vector<std::string>& key_names();

// "did you mean …" for an unknown key, also for buildx's and compose's
// spellings of ours (dockerfile → file, build-args → args, cache_from →
// cache-from).
std::string suggestion(std::string_view name);

} // namespace pma::bake::detail
