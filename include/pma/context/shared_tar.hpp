#pragma once

#include <pma/context/context.hpp>

#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

namespace pma::context {

// A context tar made once and sent to any number of hosts. On first use a
// thread of its own writes it, compressed, into an unlinked temporary file
// ($TMPDIR, else /var/tmp: disk, not memory); every request body reads that
// file from its start, as fast as it is written and as its own host takes it.
// So the compressor runs once however many hosts, platforms and retries send
// the context, a slow host never holds back a fast one, and memory stays flat.
class SharedTar {
public:
  // `plan` must outlive this.
  SharedTar(const ContextPlan& plan, Compression compression);
  ~SharedTar(); // stops the writer if still running
  SharedTar(const SharedTar&) = delete;
  SharedTar& operator=(const SharedTar&) = delete;

  // A request body that sends the whole tar; its error is the writer's (a
  // file that vanished) if that failed.
  transport::BodyStream body();

  const Compression&
  compression() const
  {
    return m_compression;
  }

  // The finished tar's statistics (bytes_written: its size on the wire);
  // nullopt while it is being written or if that failed.
  std::optional<TarStats> stats() const;

private:
  void start();
  void write_all();
  util::Result<void> send(const transport::BodyWriter& write);

  const ContextPlan& m_plan;
  const Compression m_compression;
  mutable std::mutex m_mutex;
  std::condition_variable m_grown;
  int m_fd = -1;
  uint64_t m_size = 0; // bytes in the file so far
  bool m_started = false;
  bool m_done = false;
  bool m_stop = false;
  std::optional<util::Error> m_error;
  std::optional<TarStats> m_stats;
  std::thread m_thread;
};

// The shared tars of a run, one per (plan, compression), made on first use.
class SharedTars {
public:
  // What sends `plan` compressed as `compression`: tar_body(plan) itself
  // when uncompressed (written per request: nothing to share but disk reads),
  // else the body of the SharedTar for the pair.
  transport::BodyStream body(const ContextPlan& plan, const Compression& compression);

private:
  std::mutex m_mutex;
  std::map<std::pair<const ContextPlan*, std::string>, std::unique_ptr<SharedTar>> m_tars;
};

} // namespace pma::context
