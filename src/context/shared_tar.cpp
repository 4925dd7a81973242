// One context tar, written once into a temporary file, read by every request
// that sends it.
#include <pma/context/shared_tar.hpp>
#include <pma/util/fs.hpp>

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <vector>

namespace pma::context {

using util::Error;
using util::ErrorClass;
using util::Result;

namespace {

constexpr size_t k_piece = size_t{256} * 1024;

// An unlinked file in `dir`: it vanishes with its last descriptor.
Result<int>
anonymous_file(const std::string& dir)
{
  int fd = ::open(dir.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
  if (fd < 0) { // a file system without O_TMPFILE
    std::string name = dir + "/podman-multiarch-context-XXXXXX";
    fd = ::mkostemp(name.data(), O_CLOEXEC);
    if (fd >= 0) {
      ::unlink(name.c_str());
    }
  }
  if (fd < 0) {
    return util::Unexpected(Error(ErrorClass::internal,
                                  fmt::format("cannot create a temporary file in {}: {}", dir, std::strerror(errno)),
                                  "set TMPDIR to a writable directory with room for the compressed context"));
  }
  return fd;
}

} // namespace

SharedTar::SharedTar(const ContextPlan& plan, Compression compression)
  : m_plan(plan)
  , m_compression(compression)
{
}

SharedTar::~SharedTar()
{
  {
    const std::lock_guard lock(m_mutex);
    m_stop = true;
  }
  if (m_thread.joinable()) {
    m_thread.join();
  }
  if (m_fd >= 0) {
    ::close(m_fd);
  }
}

void
SharedTar::start()
{
  const std::lock_guard lock(m_mutex);
  if (m_started) {
    return;
  }
  m_started = true;
  const std::string tmp = util::env("TMPDIR").empty() ? "/var/tmp" : util::env("TMPDIR");
  auto fd = anonymous_file(tmp);
  if (!fd) {
    m_error = std::move(fd).error();
    return;
  }
  m_fd = *fd;
  m_thread = std::thread([this] { write_all(); });
}

void
SharedTar::write_all()
{
  uint64_t offset = 0; // only this thread writes
  auto written = write_tar(
      m_plan,
      [&](const char* data, size_t size) {
        {
          const std::lock_guard lock(m_mutex);
          if (m_stop) {
            return false;
          }
        }
        while (size > 0) {
          const ssize_t n = ::pwrite(m_fd, data, size, static_cast<off_t>(offset));
          if (n < 0 && errno == EINTR) {
            continue;
          }
          if (n <= 0) {
            const std::lock_guard lock(m_mutex);
            m_error = Error(ErrorClass::internal,
                            fmt::format("cannot write the compressed context to a "
                                        "temporary file: {}",
                                        std::strerror(n < 0 ? errno : ENOSPC)),
                            "set TMPDIR to a directory with room for it");
            return false;
          }
          offset += static_cast<uint64_t>(n);
          data += n;
          size -= static_cast<size_t>(n);
        }
        {
          const std::lock_guard lock(m_mutex);
          m_size = offset;
        }
        m_grown.notify_all();
        return true;
      },
      m_compression);
  {
    const std::lock_guard lock(m_mutex);
    if (written) {
      m_stats = *written;
    } else if (!m_error) {
      m_error = std::move(written).error();
    }
    m_done = true;
  }
  m_grown.notify_all();
}

Result<void>
SharedTar::send(const transport::BodyWriter& write)
{
  start();
  std::vector<char> buffer(k_piece);
  uint64_t offset = 0;
  for (;;) {
    uint64_t available = 0;
    {
      std::unique_lock lock(m_mutex);
      m_grown.wait(lock, [&] { return m_error || m_done || m_size > offset; });
      if (m_error) {
        return util::Unexpected(*m_error);
      }
      if (m_size == offset) {
        return {}; // done
      }
      available = m_size - offset;
    }
    const size_t want = static_cast<size_t>(std::min<uint64_t>(available, buffer.size()));
    const ssize_t n = ::pread(m_fd, buffer.data(), want, static_cast<off_t>(offset));
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      return util::Unexpected(
          Error(ErrorClass::internal, fmt::format("cannot read the compressed context back: {}",
                                                  n < 0 ? std::strerror(errno) : "the file is shorter than written")));
    }
    if (!write(buffer.data(), static_cast<size_t>(n))) {
      return util::Unexpected(Error(ErrorClass::connect, "the build context upload was cut off"));
    }
    offset += static_cast<uint64_t>(n);
  }
}

transport::BodyStream
SharedTar::body()
{
  return [this](const transport::BodyWriter& write) { return send(write); };
}

std::optional<TarStats>
SharedTar::stats() const
{
  const std::lock_guard lock(m_mutex);
  return m_stats;
}

transport::BodyStream
SharedTars::body(const ContextPlan& plan, const Compression& compression)
{
  if (compression.kind == Compression::Kind::none) {
    return tar_body(plan);
  }
  const std::lock_guard lock(m_mutex);
  auto& tar = m_tars[{&plan, compression.to_string()}];
  if (!tar) {
    tar = std::make_unique<SharedTar>(plan, compression);
  }
  return tar->body();
}

} // namespace pma::context
