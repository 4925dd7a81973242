#pragma once

// Release files in a temporary directory, for the bake tests.
#include <pma/bake/release_file.hpp>

#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace pma::test {

class ReleaseDir {
public:
  ReleaseDir()
  {
    std::string pattern = (std::filesystem::temp_directory_path() / "pma-bake-XXXXXX").string();
    REQUIRE(::mkdtemp(pattern.data()) != nullptr);
    m_root = pattern;
  }
  ~ReleaseDir()
  {
    std::error_code ec;
    std::filesystem::remove_all(m_root, ec);
  }
  ReleaseDir(const ReleaseDir&) = delete;
  ReleaseDir& operator=(const ReleaseDir&) = delete;

  const std::filesystem::path&
  root() const
  {
    return m_root;
  }

  // Writes `text` to NAME (its directories made); returns its path.
  std::string
  write(const std::string& name, const std::string& text) const
  {
    const auto path = m_root / name;
    std::filesystem::create_directories(path.parent_path());
    std::ofstream(path) << text;
    return path.string();
  }

  void
  mkdir(const std::string& name) const
  {
    std::filesystem::create_directories(m_root / name);
  }

  // The release of `files` (names in this directory).
  util::Result<bake::LoadedRelease>
  load(const std::vector<std::string>& files, const std::vector<std::string>& names = {},
       const std::vector<std::string>& overrides = {}, const bool no_push = false) const
  {
    bake::LoadRequest request;
    for (const auto& file : files) {
      request.files.push_back((m_root / file).string());
    }
    request.names = names;
    request.overrides = overrides;
    request.base.no_push = no_push;
    request.directory = m_root;
    return bake::load_release(request);
  }

  // The error `load` gives, with this directory shown as DIR.
  std::string
  error(const std::vector<std::string>& files, const std::vector<std::string>& names = {},
        const std::vector<std::string>& overrides = {}) const
  {
    const auto loaded = load(files, names, overrides);
    REQUIRE_FALSE(loaded);
    CHECK(loaded.error().cls == util::ErrorClass::usage);
    return shown(loaded.error().message);
  }

  // `text` with this directory as DIR.
  std::string
  shown(std::string text) const
  {
    const std::string root = m_root.string();
    for (size_t at = text.find(root); at != std::string::npos; at = text.find(root, at)) {
      text.replace(at, root.size(), "DIR");
    }
    return text;
  }

private:
  std::filesystem::path m_root;
};

// The names of a release's targets, in order.
inline std::vector<std::string>
target_names(const bake::LoadedRelease& release)
{
  std::vector<std::string> out;
  for (const auto& target : release.release.targets) {
    out.push_back(target.name);
  }
  return out;
}

inline const job::ReleaseTarget&
target_of(const bake::LoadedRelease& release, const std::string& name)
{
  for (const auto& target : release.release.targets) {
    if (target.name == name) {
      return target;
    }
  }
  FAIL("no target " << name);
  return release.release.targets.front();
}

} // namespace pma::test
