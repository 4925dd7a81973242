// Build context: which Containerfile and ignore file, the walk, the extra files
// (the tar itself is written by tar.cpp).
#include <pma/context/context.hpp>
#include <pma/util/interrupt.hpp>
#include <pma/util/log.hpp>
#include <pma/util/sha256.hpp>

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <memory>
#include <optional>

namespace pma::context {

using util::ErrorClass;
using util::Result;

namespace {

namespace fs = std::filesystem;

// Kept at the root whatever the rules say, as podman forces them.
const std::array<const char*, 4> k_always_kept = {"Containerfile", "Dockerfile", ".containerignore", ".dockerignore"};

constexpr std::string_view k_extra_containerfile_prefix = ".podman-multiarch.Containerfile-";

util::Unexpected
context_error(const std::string& message)
{
  return util::fail(ErrorClass::usage, message);
}

// The whole of `path`; nothing if it does not exist (ENOENT), an error if it
// exists but cannot be read (a directory, no permission).
Result<std::optional<std::string>>
read_if_exists(const fs::path& path)
{
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) {
      return std::optional<std::string>();
    }
    return context_error(fmt::format("cannot read {}: {}", path.string(), std::strerror(errno)));
  }
  std::string content;
  std::array<char, size_t{64} * 1024> buffer{};
  while (true) {
    const ssize_t n = ::read(fd, buffer.data(), buffer.size());
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n < 0) {
      const int error = errno;
      ::close(fd);
      return context_error(fmt::format("cannot read {}: {}", path.string(), std::strerror(error)));
    }
    if (n == 0) {
      break;
    }
    content.append(buffer.data(), static_cast<size_t>(n));
  }
  ::close(fd);
  return std::optional<std::string>(std::move(content));
}

Result<std::string>
read_existing(const fs::path& path, const std::string& what)
{
  PMA_TRY_ASSIGN(auto content, read_if_exists(path));
  if (!content) {
    return context_error(fmt::format("{} {} does not exist", what, path.string()));
  }
  return std::move(*content);
}

bool
exists(const fs::path& path)
{
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0;
}

// A path given on the command line as podman resolves a Containerfile: made
// absolute and cleaned, with the symlinks of its directory resolved but not
// those of its last component.
fs::path
resolve_argument(const std::string& argument)
{
  std::error_code ec;
  fs::path path = fs::absolute(fs::path(argument), ec).lexically_normal();
  if (!path.has_filename()) {
    path = path.parent_path(); // "dir/" names "dir"
  }
  if (const fs::path dir = fs::canonical(path.parent_path(), ec); !ec) {
    path = dir / path.filename();
  }
  return path;
}

// `path` relative to `root` ('/'-separated) if it lies below it, else nothing.
std::optional<std::string>
inside(const fs::path& root, const fs::path& path)
{
  const fs::path relative = path.lexically_relative(root);
  if (relative.empty() || relative == "." || *relative.begin() == "..") {
    return std::nullopt;
  }
  return relative.generic_string();
}

struct Containerfile {
  std::string tar_name;           // its path in the tar
  std::optional<std::string> rel; // its path in the context, if it is there
  fs::path path;                  // on disk; empty when read from stdin
  std::string text;
};

Result<Containerfile>
find_containerfile(const fs::path& root, const ContextOptions& options)
{
  Containerfile file;
  std::error_code ec;
  if (options.containerfile == "-") {
    file.text = options.containerfile_text;
  } else if (options.containerfile.empty()) {
    for (const char* name : {"Containerfile", "Dockerfile"}) {
      if (fs::is_regular_file(root / name, ec)) {
        file.rel = name;
        file.path = root / name;
        break;
      }
    }
    if (!file.rel) {
      return context_error(fmt::format("no Containerfile or Dockerfile in {} (use -f)", root.string()));
    }
  } else {
    file.path = resolve_argument(options.containerfile);
    if (!fs::is_regular_file(file.path, ec)) {
      return context_error(fmt::format("Containerfile {} does not exist", options.containerfile));
    }
    file.rel = inside(root, file.path);
  }
  if (!file.path.empty()) {
    PMA_TRY_ASSIGN(auto text, read_existing(file.path, "Containerfile"));
    file.text = std::move(text);
  }
  // Outside the context, the file travels under a name of our own, the same
  // for the same content so that the context stays reproducible.
  file.tar_name =
      file.rel ? *file.rel : std::string(k_extra_containerfile_prefix) + util::sha256_hex(file.text).substr(0, 12);
  return file;
}

struct IgnoreFile {
  fs::path path; // empty: none
  std::string text;
};

// buildah's ContainerIgnoreFile: an explicit file alone; else the
// Containerfile's own (.dockerignore before .containerignore); else the
// root's .containerignore, then .dockerignore.
Result<IgnoreFile>
find_ignore_file(const fs::path& root, const ContextOptions& options, const Containerfile& containerfile)
{
  IgnoreFile ignore;
  if (!options.ignore_file.empty()) {
    ignore.path = resolve_argument(options.ignore_file);
    PMA_TRY_ASSIGN(auto text, read_existing(ignore.path, "ignore file"));
    ignore.text = std::move(text);
    return ignore;
  }
  if (!containerfile.path.empty()) {
    const std::string base = containerfile.path.string();
    for (const char* suffix : {".dockerignore", ".containerignore"}) {
      if (exists(base + suffix)) {
        ignore.path = base + suffix;
        PMA_TRY_ASSIGN(auto text, read_existing(ignore.path, "ignore file"));
        ignore.text = std::move(text);
        return ignore;
      }
    }
  }
  for (const char* name : {".containerignore", ".dockerignore"}) {
    PMA_TRY_ASSIGN(auto text, read_if_exists(root / name));
    if (text) {
      ignore.path = root / name;
      ignore.text = std::move(*text);
      return ignore;
    }
  }
  return ignore;
}

class Walker {
public:
  Walker(ContextPlan& plan, const IgnoreRules& rules, std::vector<std::string> kept)
    : m_plan(plan)
    , m_rules(rules)
    , m_kept(std::move(kept))
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
    std::sort(names.begin(), names.end()); // byte order, as Go's os.ReadDir
    for (const auto& name : names) {
      if (util::interrupt::requested()) {
        return util::fail(ErrorClass::interrupted, "interrupted while reading the context");
      }
      std::string path = dir;
      if (!path.empty()) {
        path += '/';
      }
      path += name;
      struct stat st {};
      if (::lstat((m_plan.root / path).c_str(), &st) != 0) {
        return context_error(fmt::format("cannot stat {}: {}", (m_plan.root / path).string(), std::strerror(errno)));
      }
      const bool excluded = !is_kept(path) && m_rules.excluded(path);
      if (S_ISDIR(st.st_mode)) {
        if (excluded) {
          ++m_plan.excluded;
          // Not read at all unless something below could be kept: that
          // spares e.g. node_modules (podman reads everything).
          if (!m_rules.may_reinclude_below(path) && !has_kept_below(path)) {
            continue;
          }
        } else {
          m_plan.entries.push_back({path, ContextEntry::Kind::directory});
        }
        PMA_TRY(walk(path));
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
  is_kept(const std::string& path) const
  {
    return std::find(m_kept.begin(), m_kept.end(), path) != m_kept.end();
  }

  bool
  has_kept_below(const std::string& dir) const
  {
    const std::string below = dir + "/";
    return std::any_of(m_kept.begin(), m_kept.end(),
                       [&below](const std::string& kept) { return kept.starts_with(below); });
  }

  ContextPlan& m_plan;
  const IgnoreRules& m_rules;
  std::vector<std::string> m_kept;
};

// Extra files: plain names at the root, which the server's COPY must be able
// to exclude by name, and which the context does not already use.
Result<void>
check_extra_files(ContextPlan& plan)
{
  for (size_t i = 0; i < plan.extra.size(); ++i) {
    const ExtraFile& extra = plan.extra[i];
    const std::string& name = extra.tar_name;
    if (name.empty() || name == "." || name == ".." ||
        name.find_first_of(std::string_view("/\0", 2)) != std::string::npos) {
      return context_error(fmt::format("invalid name \"{}\" for a file added to the build context", name));
    }
    auto self = IgnoreRules::parse(name, "extra file name");
    if (!self || !self->excluded(name)) {
      return context_error(fmt::format("\"{}\" cannot be excluded from COPY by name: not usable as the name of a file "
                                       "added to the build context",
                                       name));
    }
    for (size_t j = 0; j < i; ++j) {
      if (plan.extra[j].tar_name == name) {
        return context_error(fmt::format("two files added to the build context are both named \"{}\"", name));
      }
    }
    const std::string below = name + "/";
    for (const auto& entry : plan.entries) {
      if (entry.path == name || entry.path.starts_with(below)) {
        return util::Unexpected(
            util::Error(ErrorClass::usage,
                        fmt::format("the build context already has {}, the name of a file podman-multiarch adds to it",
                                    (plan.root / entry.path).string()),
                        "rename it, or exclude it in the ignore file"));
      }
    }
    if (extra.source.empty()) {
      plan.file_bytes += extra.content.size();
      continue;
    }
    struct stat st {};
    if (::stat(extra.source.c_str(), &st) != 0) {
      return context_error(
          fmt::format("cannot add {} to the build context: {}", extra.source.string(), std::strerror(errno)));
    }
    if (!S_ISREG(st.st_mode)) {
      return context_error(
          fmt::format("cannot add {} to the build context: not a regular file", extra.source.string()));
    }
    plan.file_bytes += static_cast<uint64_t>(st.st_size);
  }
  return {};
}

} // namespace

Result<ContextPlan>
plan_context(const fs::path& root, const ContextOptions& options)
{
  std::error_code ec;
  ContextPlan plan;
  plan.root = fs::weakly_canonical(fs::absolute(root), ec);
  if (ec || !fs::is_directory(plan.root, ec)) {
    return context_error(fmt::format("build context {} is not a directory", root.string()));
  }
  PMA_TRY_ASSIGN(auto containerfile, find_containerfile(plan.root, options));
  plan.containerfile = containerfile.tar_name;
  plan.containerfile_text = containerfile.text;

  PMA_TRY_ASSIGN(auto ignore, find_ignore_file(plan.root, options, containerfile));
  IgnoreRules rules;
  std::vector<std::string> kept(k_always_kept.begin(), k_always_kept.end());
  if (containerfile.rel) {
    for (const char* suffix : {"", ".containerignore", ".dockerignore"}) {
      kept.push_back(*containerfile.rel + suffix);
    }
  }
  if (!ignore.path.empty()) {
    PMA_TRY_ASSIGN(auto parsed, IgnoreRules::parse(ignore.text, ignore.path.string()));
    rules = std::move(parsed);
    const auto rel = inside(plan.root, ignore.path);
    plan.ignore_file = rel ? *rel : ignore.path.string();
    if (rel) {
      kept.push_back(*rel);
    }
  }

  Walker walker(plan, rules, std::move(kept));
  PMA_TRY(walker.walk(""));

  if (!containerfile.rel) {
    plan.extra.push_back({containerfile.tar_name, {}, containerfile.text, 0600});
  }
  plan.extra.insert(plan.extra.end(), options.extra.begin(), options.extra.end());
  PMA_TRY(check_extra_files(plan));

  // Sent as excludes=, these are the only rules the server's COPY applies:
  // without them podman 5 would pick the root .containerignore over the
  // Containerfile's own, and would copy the extra files.
  plan.excludes = rules.patterns();
  for (const auto& extra : plan.extra) {
    plan.excludes.push_back(to_valid_utf8(extra.tar_name));
  }
  if (plan.excludes.empty()) {
    plan.excludes.emplace_back("/"); // matches no relative path; an empty list would count as absent
  }
  return plan;
}

Result<ContextPlan>
plan_context(const fs::path& root, const std::string& containerfile)
{
  ContextOptions options;
  options.containerfile = containerfile;
  return plan_context(root, options);
}

} // namespace pma::context
