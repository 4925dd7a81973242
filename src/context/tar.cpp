// The build context's tar stream, with the headers podman's Go client writes
// (libarchive stays here).
#include <pma/context/context.hpp>
#include <pma/util/log.hpp>
#include <pma/util/sha256.hpp>

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <clocale>
#include <cstring>
#include <memory>

namespace pma::context {

using util::ErrorClass;
using util::Result;

namespace {

namespace fs = std::filesystem;

util::Unexpected
context_error(const std::string& message)
{
  return util::fail(ErrorClass::usage, message);
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
  // `fingerprint`: mtimes 0 and no secrets (context::fingerprint()).
  TarWriter(const ContextPlan& plan, const TarSink& sink, const bool fingerprint = false,
            const Compression& compression = {})
    : m_plan(plan)
    , m_state{&sink, &m_stats}
    , m_fingerprint(fingerprint)
    , m_compression(compression)
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
    PMA_TRY(add_filter(a.get()));
    if (archive_write_open2(a.get(), &m_state, nullptr, &write_callback, nullptr, nullptr) != ARCHIVE_OK) {
      return failure(a.get(), "cannot start the context tar");
    }
    for (const auto& item : m_plan.entries) {
      PMA_TRY(add(a.get(), links.get(), item));
    }
    for (const auto& extra : m_plan.extra) {
      if (m_fingerprint && extra.secret) {
        continue;
      }
      PMA_TRY(add_extra(a.get(), extra));
    }
    if (archive_write_close(a.get()) != ARCHIVE_OK) {
      return failure(a.get(), "cannot finish the context tar");
    }
    return m_stats;
  }

private:
  // One compressor, single-threaded: a client that shares its machine keeps
  // a core for everything else.
  Result<void>
  add_filter(archive* a) const
  {
    const char* name = nullptr;
    int status = ARCHIVE_OK;
    switch (m_compression.kind) {
    case Compression::Kind::none:
      return {};
    case Compression::Kind::gzip:
      name = "gzip";
      status = archive_write_add_filter_gzip(a);
      break;
    case Compression::Kind::zstd:
      name = "zstd";
      status = archive_write_add_filter_zstd(a);
      break;
    }
    if (status == ARCHIVE_OK && m_compression.level > 0) {
      status =
          archive_write_set_filter_option(a, name, "compression-level", std::to_string(m_compression.level).c_str());
    }
    if (status != ARCHIVE_OK) {
      return failure(a, fmt::format("cannot compress the context tar with {}", m_compression.to_string()));
    }
    return {};
  }

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
  void
  set_common(archive_entry* entry, const struct timespec& mtime) const
  {
    archive_entry_set_uid(entry, 0);
    archive_entry_set_gid(entry, 0);
    archive_entry_set_uname(entry, "");
    archive_entry_set_gname(entry, "");
    archive_entry_set_rdev(entry, 0);
    archive_entry_set_mtime(entry, m_fingerprint ? 0 : rounded_seconds(mtime), 0);
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
    PMA_TRY(write_header(a, entry.get(), item.path));
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
      PMA_TRY(write_header(a, entry.get(), extra.tar_name));
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
  bool m_fingerprint;
  Compression m_compression;
  std::array<char, size_t{256} * 1024> m_buffer{};
};

} // namespace

std::string
Compression::to_string() const
{
  const char* name = kind == Kind::gzip ? "gzip" : kind == Kind::zstd ? "zstd" : "none";
  return level > 0 ? fmt::format("{}:{}", name, level) : name;
}

Result<Compression>
parse_compression(const std::string_view text)
{
  const auto colon = text.find(':');
  const std::string_view name = text.substr(0, colon);
  Compression compression;
  int max_level = 0;
  if (name == "none" && colon == std::string_view::npos) {
    return compression;
  }
  if (name == "gzip") {
    compression.kind = Compression::Kind::gzip;
    max_level = 9;
  } else if (name == "zstd") {
    compression.kind = Compression::Kind::zstd;
    max_level = 19;
  } else {
    return context_error(fmt::format("unknown compression \"{}\": use auto, none, gzip[:LEVEL] or zstd[:LEVEL]", text));
  }
  if (colon != std::string_view::npos) {
    const std::string_view level = text.substr(colon + 1);
    int value = 0;
    const auto [end, error] = std::from_chars(level.data(), level.data() + level.size(), value);
    if (error != std::errc{} || end != level.data() + level.size() || value < 1 || value > max_level) {
      return context_error(fmt::format("{} compression level must be 1 to {}, not \"{}\"", name, max_level, level));
    }
    compression.level = value;
  }
  return compression;
}

Result<TarStats>
write_tar(const ContextPlan& plan, const TarSink& sink, const Compression& compression)
{
  return TarWriter(plan, sink, /*fingerprint=*/false, compression).run();
}

Result<std::string>
fingerprint(const ContextPlan& plan)
{
  util::Sha256 sha;
  PMA_TRY(TarWriter(
              plan,
              [&sha](const char* data, const size_t size) {
                sha.update({data, size});
                return true;
              },
              /*fingerprint=*/true)
              .run());
  return "sha256:" + sha.hex();
}

transport::BodyStream
tar_body(const ContextPlan& plan)
{
  return [&plan](const transport::BodyWriter& write) -> Result<void> {
    PMA_TRY(write_tar(plan, write));
    return {};
  };
}

} // namespace pma::context
