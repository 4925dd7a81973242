#pragma once

#include <pma/context/ignore.hpp>
#include <pma/util/error.hpp>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace pma::context {

struct ContextEntry {
  enum class Kind { directory, file, symlink };
  std::string path; // relative to the context root, '/'-separated
  Kind kind = Kind::file;
};

// What a build context holds after the ignore rules: computed once, streamed
// to every host. Holds names only, so memory does not grow with file sizes.
struct ContextPlan {
  std::filesystem::path root;
  std::string containerfile;         // relative path of the Containerfile in the context
  std::string ignore_file;           // relative path of the ignore file applied; "" if none
  std::vector<ContextEntry> entries; // in tar order: sorted, parents before children
  uint64_t file_bytes = 0;           // sum of regular file sizes at planning time
  size_t excluded = 0;               // entries left out (an unwalked directory counts once)
};

// Walks `root`, applying <Containerfile>.containerignore, <Containerfile>.dockerignore,
// .containerignore or .dockerignore (the first that exists). The Containerfile and
// the ignore files are always kept. `containerfile` is the -f argument (empty:
// Containerfile, else Dockerfile, in `root`); it must lie inside the context.
// Excluded directories are not descended into unless a `!` rule could
// re-include something below them. Symlinks are never followed.
util::Result<ContextPlan> plan_context(const std::filesystem::path& root, const std::string& containerfile);

struct TarStats {
  uint64_t entries = 0;
  uint64_t bytes_read = 0;    // file content read from disk
  uint64_t bytes_written = 0; // tar bytes handed to the sink
};

// Receives successive pieces of the tar stream; returning false aborts.
using TarSink = std::function<bool(const char* data, size_t size)>;

// Writes the tar of `plan` (uid/gid 0, modes and times kept, symlinks as
// symlinks, hard links as links) in constant memory, straight into `sink`.
util::Result<TarStats> write_tar(const ContextPlan& plan, const TarSink& sink);

} // namespace pma::context
