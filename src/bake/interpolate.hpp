#pragma once

// Private to src/bake: ${VAR} in release files (interpolate.cpp).
#include <pma/util/error.hpp>

#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model.hpp"

namespace pma::bake::detail {

// What a name stands for; nullopt: undefined. An error: the variable's own
// value could not be made (a cycle, an undefined name in it).
using Lookup = std::function<util::Result<std::optional<std::string>>(std::string_view name)>;

// ${VAR}, ${VAR:-default} (unset or empty), ${VAR-default} (unset),
// ${VAR:?message} and ${VAR?message} (an error otherwise), nested in the
// defaults; $$ is a literal $. Compose adds $VAR, and an undefined variable
// is "" with a warning there, where our format refuses it.
struct Interpolation {
  Lookup lookup;
  bool compose = false;
  std::vector<std::string> known;               // names for "did you mean"
  std::vector<std::string>* warnings = nullptr; // compose's unset variables
};

util::Result<std::string> interpolate(const Text& text, const Interpolation& how);

// A compose .env file (KEY=VALUE lines, # comments, "export " prefixes,
// quoted values); missing: nothing.
util::Result<std::map<std::string, std::string>> read_dotenv(const std::filesystem::path& path);

// The variables of a release file for `${…}`: a matrix's values first, then
// each declared variable, whose default the environment variable of its name
// overrides; defaults may name other variables.
class Variables {
public:
  explicit Variables(std::vector<Variable> declared);

  // A lookup with `matrix` (name → value) over the declared variables.
  Interpolation scope(const std::map<std::string, std::string>& matrix) const;

private:
  util::Result<std::optional<std::string>> value(std::string_view name) const;

  std::vector<Variable> m_declared;
  mutable std::map<std::string, std::string, std::less<>> m_resolved;
  mutable std::vector<std::string> m_resolving; // a cycle check
};

} // namespace pma::bake::detail
