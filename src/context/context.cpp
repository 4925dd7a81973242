// Build context: walk + ignore rules, and the tar stream (libarchive stays here).
#include <pma/context/context.hpp>
#include <pma/util/fs.hpp>
#include <pma/util/log.hpp>

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <memory>

namespace pma::context {

using util::ErrorClass;
using util::Result;

namespace {

namespace fs = std::filesystem;

const std::array<const char*, 4> k_always_kept = {"Containerfile", "Dockerfile", ".containerignore", ".dockerignore"};

util::Unexpected
context_error(const std::string& message)
{
  return util::fail(ErrorClass::usage, message);
}

class Walker {
public:
  Walker(ContextPlan& plan, const IgnoreRules& rules)
    : m_plan(plan)
    , m_rules(rules)
  {
  }

  Result<void>
  walk(const std::string& dir)
  {
    const fs::path absolute = dir.empty() ? m_plan.root : m_plan.root / dir;
    std::vector<std::string> names;
    std::error_code ec;
    for (fs::directory_iterator it(absolute, ec), end; !ec && it != end; it.increment(ec)) {
      names.push_back(it->path().filename().string());
    }
    if (ec) {
      return context_error(fmt::format("cannot read directory {}: {}", absolute.string(), ec.message()));
    }
    std::sort(names.begin(), names.end());
    for (const auto& name : names) {
      std::string path = dir;
      if (!path.empty()) {
        path += '/';
      }
      path += name;
      struct stat st {};
      if (::lstat((m_plan.root / path).c_str(), &st) != 0) {
        return context_error(fmt::format("cannot stat {}: {}", (m_plan.root / path).string(), std::strerror(errno)));
      }
      const bool keep = is_always_kept(path);
      const bool excluded = !keep && m_rules.excluded(path);
      if (S_ISDIR(st.st_mode)) {
        if (excluded) {
          if (!m_rules.may_reinclude_below(path)) {
            ++m_plan.excluded;
            continue;
          }
          ++m_plan.excluded;
        } else {
          m_plan.entries.push_back({path, ContextEntry::Kind::directory});
        }
        if (auto ok = walk(path); !ok) {
          return ok;
        }
        continue;
      }
      if (excluded) {
        ++m_plan.excluded;
        continue;
      }
      if (S_ISREG(st.st_mode)) {
        m_plan.entries.push_back({path, ContextEntry::Kind::file});
        m_plan.file_bytes += static_cast<uint64_t>(st.st_size);
      } else if (S_ISLNK(st.st_mode)) {
        m_plan.entries.push_back({path, ContextEntry::Kind::symlink});
      } else {
        util::log::debug("context: skipping {} (not a file, directory or symlink)", path);
      }
    }
    return {};
  }

private:
  bool
  is_always_kept(const std::string& path) const
  {
    if (path == m_plan.containerfile || path == m_plan.ignore_file) {
      return true;
    }
    return std::find(k_always_kept.begin(), k_always_kept.end(), path) != k_always_kept.end();
  }

  ContextPlan& m_plan;
  const IgnoreRules& m_rules;
};

// The -f argument as a path relative to `root`.
Result<std::string>
containerfile_in_context(const fs::path& root, const std::string& argument)
{
  std::error_code ec;
  if (argument.empty()) {
    for (const char* name : {"Containerfile", "Dockerfile"}) {
      if (fs::is_regular_file(root / name, ec)) {
        return std::string(name);
      }
    }
    return context_error(fmt::format("no Containerfile or Dockerfile in {} (use -f)", root.string()));
  }
  const fs::path file = fs::weakly_canonical(fs::absolute(argument), ec);
  if (ec || !fs::is_regular_file(file, ec)) {
    return context_error(fmt::format("Containerfile {} does not exist", argument));
  }
  const fs::path relative = file.lexically_relative(root);
  if (relative.empty() || *relative.begin() == "..") {
    return util::Unexpected(util::Error(
        ErrorClass::usage, fmt::format("Containerfile {} is outside the build context {}", argument, root.string()),
        "move it into the context directory"));
  }
  return relative.generic_string();
}

// <Containerfile>.containerignore, <Containerfile>.dockerignore, .containerignore,
// .dockerignore: the first that exists (podman's ParseDockerignore order).
std::string
find_ignore_file(const fs::path& root, const std::string& containerfile)
{
  std::error_code ec;
  for (const std::string& candidate : {containerfile + ".containerignore", containerfile + ".dockerignore",
                                       std::string(".containerignore"), std::string(".dockerignore")}) {
    if (fs::is_regular_file(root / candidate, ec)) {
      return candidate;
    }
  }
  return {};
}

using ArchivePtr = std::unique_ptr<archive, decltype(&archive_write_free)>;
using EntryPtr = std::unique_ptr<archive_entry, decltype(&archive_entry_free)>;
using LinkResolverPtr = std::unique_ptr<archive_entry_linkresolver, decltype(&archive_entry_linkresolver_free)>;

struct SinkState {
  const TarSink* sink;
  TarStats* stats;
  bool aborted = false;
};

la_ssize_t
write_callback(archive* /*a*/, void* client, const void* buffer, const size_t length)
{
  auto* state = static_cast<SinkState*>(client);
  if (!(*state->sink)(static_cast<const char*>(buffer), length)) {
    state->aborted = true;
    return -1;
  }
  state->stats->bytes_written += length;
  return static_cast<la_ssize_t>(length);
}

class TarWriter {
public:
  TarWriter(const ContextPlan& plan, const TarSink& sink)
    : m_plan(plan)
    , m_state{&sink, &m_stats}
  {
  }

  Result<TarStats>
  run()
  {
    ArchivePtr a(archive_write_new(), &archive_write_free);
    LinkResolverPtr links(archive_entry_linkresolver_new(), &archive_entry_linkresolver_free);
    archive_write_set_format_pax_restricted(a.get());
    archive_entry_linkresolver_set_strategy(links.get(), archive_format(a.get()));
    // 64 KiB pieces: large enough to keep per-chunk overhead low, small
    // enough to stream steadily.
    archive_write_set_bytes_per_block(a.get(), 64 * 1024);
    archive_write_set_bytes_in_last_block(a.get(), 1);
    if (archive_write_open2(a.get(), &m_state, nullptr, &write_callback, nullptr, nullptr) != ARCHIVE_OK) {
      return failure(a.get(), "cannot start the context tar");
    }
    for (const auto& item : m_plan.entries) {
      if (auto ok = add(a.get(), links.get(), item); !ok) {
        return util::Unexpected(std::move(ok).error());
      }
    }
    if (archive_write_close(a.get()) != ARCHIVE_OK) {
      return failure(a.get(), "cannot finish the context tar");
    }
    return m_stats;
  }

private:
  util::Unexpected
  failure(archive* a, const std::string& what) const
  {
    if (m_state.aborted) {
      return util::fail(ErrorClass::connect, "the build context upload was cut off");
    }
    return context_error(fmt::format("{}: {}", what, archive_error_string(a) ? archive_error_string(a) : "?"));
  }

  Result<void>
  add(archive* a, struct archive_entry_linkresolver* links, const ContextEntry& item)
  {
    const fs::path path = m_plan.root / item.path;
    struct stat st {};
    if (::lstat(path.c_str(), &st) != 0) {
      return context_error(
          fmt::format("{} vanished while sending the context: {}", path.string(), std::strerror(errno)));
    }
    EntryPtr entry(archive_entry_new(), &archive_entry_free);
    archive_entry_copy_stat(entry.get(), &st);
    archive_entry_set_pathname(entry.get(), item.path.c_str());
    archive_entry_set_uid(entry.get(), 0);
    archive_entry_set_gid(entry.get(), 0);
    archive_entry_set_uname(entry.get(), "");
    archive_entry_set_gname(entry.get(), "");
    archive_entry_set_rdev(entry.get(), 0);

    if (S_ISLNK(st.st_mode)) {
      std::string target(static_cast<size_t>(st.st_size) + 1, '\0');
      const ssize_t n = ::readlink(path.c_str(), target.data(), target.size());
      if (n < 0) {
        return context_error(fmt::format("cannot read symlink {}: {}", path.string(), std::strerror(errno)));
      }
      target.resize(static_cast<size_t>(n));
      archive_entry_set_symlink(entry.get(), target.c_str());
      return write_header(a, entry.get(), item);
    }
    if (!S_ISREG(st.st_mode)) {
      return write_header(a, entry.get(), item); // directories
    }

    // Hard links: the second name of an inode becomes a link entry.
    archive_entry* raw = entry.release();
    archive_entry* spare = nullptr;
    archive_entry_linkify(links, &raw, &spare);
    if (raw == nullptr) {
      return {}; // not with tar formats: they never defer an entry
    }
    entry.reset(raw);
    if (spare != nullptr) {
      archive_entry_free(spare);
    }
    if (auto ok = write_header(a, entry.get(), item); !ok) {
      return ok;
    }
    if (archive_entry_size(entry.get()) > 0) {
      return copy_content(a, path, archive_entry_size(entry.get()));
    }
    return {};
  }

  Result<void>
  write_header(archive* a, archive_entry* entry, const ContextEntry& item)
  {
    if (archive_write_header(a, entry) != ARCHIVE_OK) {
      return failure(a, fmt::format("cannot add {} to the context tar", item.path));
    }
    ++m_stats.entries;
    return {};
  }

  Result<void>
  copy_content(archive* a, const fs::path& path, const la_int64_t size)
  {
    const int fd = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
      return context_error(fmt::format("cannot read {}: {}", path.string(), std::strerror(errno)));
    }
    ::posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
    la_int64_t remaining = size;
    Result<void> result;
    while (remaining > 0) {
      const ssize_t n = ::read(fd, m_buffer.data(), std::min<size_t>(m_buffer.size(), static_cast<size_t>(remaining)));
      if (n < 0 && errno == EINTR) {
        continue;
      }
      if (n < 0) {
        result = context_error(fmt::format("cannot read {}: {}", path.string(), std::strerror(errno)));
        break;
      }
      if (n == 0) {
        break; // the file shrank: libarchive pads the entry with zeros
      }
      m_stats.bytes_read += static_cast<uint64_t>(n);
      if (archive_write_data(a, m_buffer.data(), static_cast<size_t>(n)) != n) {
        result = failure(a, fmt::format("cannot add {} to the context tar", path.string()));
        break;
      }
      remaining -= n;
    }
    ::close(fd);
    return result;
  }

  const ContextPlan& m_plan;
  TarStats m_stats;
  SinkState m_state;
  std::array<char, size_t{256} * 1024> m_buffer{};
};

} // namespace

Result<ContextPlan>
plan_context(const fs::path& root, const std::string& containerfile)
{
  std::error_code ec;
  ContextPlan plan;
  plan.root = fs::weakly_canonical(fs::absolute(root), ec);
  if (ec || !fs::is_directory(plan.root, ec)) {
    return context_error(fmt::format("build context {} is not a directory", root.string()));
  }
  auto file = containerfile_in_context(plan.root, containerfile);
  if (!file) {
    return util::Unexpected(std::move(file).error());
  }
  plan.containerfile = *file;
  plan.ignore_file = find_ignore_file(plan.root, plan.containerfile);
  IgnoreRules rules;
  if (!plan.ignore_file.empty()) {
    auto text = util::read_file(plan.root / plan.ignore_file);
    if (!text) {
      return util::Unexpected(std::move(text).error());
    }
    auto parsed = IgnoreRules::parse(*text, (plan.root / plan.ignore_file).string());
    if (!parsed) {
      return util::Unexpected(std::move(parsed).error());
    }
    rules = std::move(*parsed);
  }
  Walker walker(plan, rules);
  if (auto ok = walker.walk(""); !ok) {
    return util::Unexpected(std::move(ok).error());
  }
  return plan;
}

Result<TarStats>
write_tar(const ContextPlan& plan, const TarSink& sink)
{
  return TarWriter(plan, sink).run();
}

} // namespace pma::context
