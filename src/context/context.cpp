// Build context: which ignore file, the walk, and the tar stream (libarchive
// stays here).
#include <pma/context/context.hpp>
#include <pma/util/log.hpp>

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <openssl/evp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <clocale>
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
  auto content = read_if_exists(path);
  if (!content) {
    return util::Unexpected(std::move(content).error());
  }
  if (!*content) {
    return context_error(fmt::format("{} {} does not exist", what, path.string()));
  }
  return std::move(**content);
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

std::string
sha256_prefix(const std::string& content, const size_t hex_digits)
{
  std::array<unsigned char, EVP_MAX_MD_SIZE> md{};
  unsigned int length = 0;
  EVP_Digest(content.data(), content.size(), md.data(), &length, EVP_sha256(), nullptr);
  std::string hex;
  for (unsigned int i = 0; i < length && hex.size() < hex_digits; ++i) {
    hex += fmt::format("{:02x}", md[i]);
  }
  return hex.substr(0, hex_digits);
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
    auto text = read_existing(file.path, "Containerfile");
    if (!text) {
      return util::Unexpected(std::move(text).error());
    }
    file.text = std::move(*text);
  }
  // Outside the context, the file travels under a name of our own, the same
  // for the same content so that the context stays reproducible.
  file.tar_name = file.rel ? *file.rel : std::string(k_extra_containerfile_prefix) + sha256_prefix(file.text, 12);
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
    auto text = read_existing(ignore.path, "ignore file");
    if (!text) {
      return util::Unexpected(std::move(text).error());
    }
    ignore.text = std::move(*text);
    return ignore;
  }
  if (!containerfile.path.empty()) {
    const std::string base = containerfile.path.string();
    for (const char* suffix : {".dockerignore", ".containerignore"}) {
      if (exists(base + suffix)) {
        ignore.path = base + suffix;
        auto text = read_existing(ignore.path, "ignore file");
        if (!text) {
          return util::Unexpected(std::move(text).error());
        }
        ignore.text = std::move(*text);
        return ignore;
      }
    }
  }
  for (const char* name : {".containerignore", ".dockerignore"}) {
    auto text = read_if_exists(root / name);
    if (!text) {
      return util::Unexpected(std::move(text).error());
    }
    if (*text) {
      ignore.path = root / name;
      ignore.text = std::move(**text);
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

// libarchive writes a name that needs a PAX record as UTF-8 converted from
// the thread's locale charset. Under the C locale every non-ASCII name fails
// that conversion, and libarchive then writes that entry's names as raw
// bytes with hdrcharset=BINARY (archive_write_header says ARCHIVE_WARN):
// the bytes Go's archive/tar puts in its PAX path record. Under another
// locale libarchive could re-encode them (a Latin-1 locale would). The
// option hdrcharset=BINARY would do the same but add a PAX header to every
// entry, 1 KiB each.
class CLocaleScope {
public:
  CLocaleScope()
    : m_locale(::newlocale(LC_ALL_MASK, "C", nullptr))
    , m_previous(m_locale != nullptr ? ::uselocale(m_locale) : nullptr)
  {
  }
  ~CLocaleScope()
  {
    if (m_locale != nullptr) {
      ::uselocale(m_previous);
      ::freelocale(m_locale);
    }
  }
  CLocaleScope(const CLocaleScope&) = delete;
  CLocaleScope& operator=(const CLocaleScope&) = delete;

private:
  locale_t m_locale;
  locale_t m_previous;
};

// Go's Time.Round(time.Second), which podman's tar writer applies: half a
// second rounds up.
time_t
rounded_seconds(const struct timespec& time)
{
  return time.tv_sec + (time.tv_nsec >= 500'000'000 ? 1 : 0);
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
    const CLocaleScope c_locale;
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
    for (const auto& extra : m_plan.extra) {
      if (auto ok = add_extra(a.get(), extra); !ok) {
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

  // Everything but the name, type and size: podman's headers carry no owner
  // (uid/gid 0; its user names are ignored by the server), and whole seconds.
  static void
  set_common(archive_entry* entry, const struct timespec& mtime)
  {
    archive_entry_set_uid(entry, 0);
    archive_entry_set_gid(entry, 0);
    archive_entry_set_uname(entry, "");
    archive_entry_set_gname(entry, "");
    archive_entry_set_rdev(entry, 0);
    archive_entry_set_mtime(entry, rounded_seconds(mtime), 0);
    archive_entry_unset_atime(entry);
    archive_entry_unset_ctime(entry);
    archive_entry_unset_birthtime(entry);
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
    archive_entry_copy_pathname(entry.get(), item.path.c_str());
    set_common(entry.get(), st.st_mtim);

    if (S_ISLNK(st.st_mode)) {
      std::string target(static_cast<size_t>(st.st_size) + 1, '\0');
      const ssize_t n = ::readlink(path.c_str(), target.data(), target.size());
      if (n < 0) {
        return context_error(fmt::format("cannot read symlink {}: {}", path.string(), std::strerror(errno)));
      }
      target.resize(static_cast<size_t>(n));
      archive_entry_copy_symlink(entry.get(), target.c_str());
      return write_header(a, entry.get(), item.path);
    }
    if (!S_ISREG(st.st_mode)) {
      return write_header(a, entry.get(), item.path); // directories
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
    if (auto ok = write_header(a, entry.get(), item.path); !ok) {
      return ok;
    }
    if (archive_entry_size(entry.get()) == 0) {
      return {};
    }
    const int fd = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
      return context_error(fmt::format("cannot read {}: {}", path.string(), std::strerror(errno)));
    }
    auto ok = copy_content(a, fd, path, archive_entry_size(entry.get()));
    ::close(fd);
    return ok;
  }

  Result<void>
  add_extra(archive* a, const ExtraFile& extra)
  {
    EntryPtr entry(archive_entry_new(), &archive_entry_free);
    archive_entry_copy_pathname(entry.get(), extra.tar_name.c_str());
    archive_entry_set_filetype(entry.get(), AE_IFREG);
    archive_entry_set_perm(entry.get(), static_cast<mode_t>(extra.mode & 07777));
    if (extra.source.empty()) {
      set_common(entry.get(), {});
      archive_entry_set_size(entry.get(), static_cast<la_int64_t>(extra.content.size()));
      if (auto ok = write_header(a, entry.get(), extra.tar_name); !ok) {
        return ok;
      }
      if (!extra.content.empty() && archive_write_data(a, extra.content.data(), extra.content.size()) !=
                                        static_cast<la_ssize_t>(extra.content.size())) {
        return failure(a, fmt::format("cannot add {} to the context tar", extra.tar_name));
      }
      return {};
    }
    const int fd = ::open(extra.source.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      return context_error(fmt::format("cannot read {}: {}", extra.source.string(), std::strerror(errno)));
    }
    struct stat st {};
    Result<void> result;
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
      result =
          context_error(fmt::format("cannot add {} to the context tar: not a regular file", extra.source.string()));
    } else {
      set_common(entry.get(), st.st_mtim);
      archive_entry_set_size(entry.get(), st.st_size);
      result = write_header(a, entry.get(), extra.tar_name);
      if (result && st.st_size > 0) {
        result = copy_content(a, fd, extra.source, st.st_size);
      }
    }
    ::close(fd);
    return result;
  }

  Result<void>
  write_header(archive* a, archive_entry* entry, const std::string& name)
  {
    const int status = archive_write_header(a, entry);
    if (status == ARCHIVE_WARN) {
      // A name written as raw bytes (see CLocaleScope): the entry is whole.
      util::log::debug("context tar: {}", archive_error_string(a) ? archive_error_string(a) : "warning");
    } else if (status != ARCHIVE_OK) {
      return failure(a, fmt::format("cannot add {} to the context tar", name));
    }
    ++m_stats.entries;
    return {};
  }

  Result<void>
  copy_content(archive* a, const int fd, const fs::path& path, const la_int64_t size)
  {
    ::posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
    la_int64_t remaining = size;
    while (remaining > 0) {
      const ssize_t n = ::read(fd, m_buffer.data(), std::min<size_t>(m_buffer.size(), static_cast<size_t>(remaining)));
      if (n < 0 && errno == EINTR) {
        continue;
      }
      if (n < 0) {
        return context_error(fmt::format("cannot read {}: {}", path.string(), std::strerror(errno)));
      }
      if (n == 0) {
        break; // the file shrank: libarchive pads the entry with zeros
      }
      m_stats.bytes_read += static_cast<uint64_t>(n);
      if (archive_write_data(a, m_buffer.data(), static_cast<size_t>(n)) != n) {
        return failure(a, fmt::format("cannot add {} to the context tar", path.string()));
      }
      remaining -= n;
    }
    return {};
  }

  const ContextPlan& m_plan;
  TarStats m_stats;
  SinkState m_state;
  std::array<char, size_t{256} * 1024> m_buffer{};
};

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
  auto containerfile = find_containerfile(plan.root, options);
  if (!containerfile) {
    return util::Unexpected(std::move(containerfile).error());
  }
  plan.containerfile = containerfile->tar_name;
  plan.containerfile_text = containerfile->text;

  auto ignore = find_ignore_file(plan.root, options, *containerfile);
  if (!ignore) {
    return util::Unexpected(std::move(ignore).error());
  }
  IgnoreRules rules;
  std::vector<std::string> kept(k_always_kept.begin(), k_always_kept.end());
  if (containerfile->rel) {
    for (const char* suffix : {"", ".containerignore", ".dockerignore"}) {
      kept.push_back(*containerfile->rel + suffix);
    }
  }
  if (!ignore->path.empty()) {
    auto parsed = IgnoreRules::parse(ignore->text, ignore->path.string());
    if (!parsed) {
      return util::Unexpected(std::move(parsed).error());
    }
    rules = std::move(*parsed);
    const auto rel = inside(plan.root, ignore->path);
    plan.ignore_file = rel ? *rel : ignore->path.string();
    if (rel) {
      kept.push_back(*rel);
    }
  }

  Walker walker(plan, rules, std::move(kept));
  if (auto ok = walker.walk(""); !ok) {
    return util::Unexpected(std::move(ok).error());
  }

  if (!containerfile->rel) {
    plan.extra.push_back({containerfile->tar_name, {}, containerfile->text, 0600});
  }
  plan.extra.insert(plan.extra.end(), options.extra.begin(), options.extra.end());
  if (auto ok = check_extra_files(plan); !ok) {
    return util::Unexpected(std::move(ok).error());
  }

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

Result<TarStats>
write_tar(const ContextPlan& plan, const TarSink& sink)
{
  return TarWriter(plan, sink).run();
}

} // namespace pma::context
