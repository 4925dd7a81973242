#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

// Decoders for libpod's newline-delimited JSON response streams (build, push,
// manifest push). Fed raw bytes as they arrive; chunk boundaries are arbitrary.
namespace pma::libpod {

// The longest line of a stream: podman sends each piece of output as one
// short JSON line (buildah copies a step's output 32 KiB at a time), so a
// longer one is not podman's stream, and the stream is refused rather than
// held in memory without end.
inline constexpr size_t k_max_stream_line = size_t{1} << 20;
// The longest build log line shown: a program may print megabytes without a
// newline (a minified file, a progress bar); the rest of such a line is
// dropped, with a note, and the build goes on.
inline constexpr size_t k_max_log_line = size_t{64} << 10;

// Splits a byte stream into lines ('\n'-terminated; a final unterminated line
// is delivered by finish()), holding at most `max_line` bytes.
class LineSplitter {
public:
  explicit LineSplitter(size_t max_line = k_max_stream_line)
    : m_max_line(max_line)
  {
  }

  // False once a line grows past max_line without its newline; nothing more
  // is delivered after that (the stream is broken or not what it claims).
  bool feed(std::string_view bytes, const std::function<void(std::string_view)>& on_line);
  void finish(const std::function<void(std::string_view)>& on_line);

  bool
  overflowed() const
  {
    return m_overflowed;
  }
  size_t
  max_line() const
  {
    return m_max_line;
  }

private:
  size_t m_max_line;
  std::string m_pending;
  bool m_overflowed = false;
};

// One thing a build reported.
struct BuildEvent {
  // layer: this build committed a new intermediate image (not a cache hit);
  // `layer` holds its short ID, so a failed build's leftovers can be removed.
  enum class Kind { log, step, layer };
  Kind kind = Kind::log;
  std::string text; // one log line, without the newline
  std::string layer;
  int step = 0; // for Kind::step: "STEP 2/5: …" → 2 of 5
  int steps = 0;
};

// POST /libpod/build's stream: {"stream": "…"} pieces (arbitrary text
// boundaries), a final {"error": …, "errorDetail": {"message": …}} on failure
// (HTTP stays 200), and the image ID as the last 64-hex "stream" line.
// Memory is bounded: a log line is cut at k_max_log_line, a stream line past
// k_max_stream_line stops the parser (feed() returns false, overflowed()).
class BuildStreamParser {
public:
  using Handler = std::function<void(const BuildEvent&)>;

  // False once the stream has a line past k_max_stream_line.
  bool feed(std::string_view bytes, const Handler& on_event);
  void finish(const Handler& on_event);

  const std::optional<std::string>&
  error() const
  {
    return m_error;
  }
  const std::string&
  image_id() const
  {
    return m_image_id;
  }
  // Lines that were not JSON objects (a proxy's HTML, truncation…).
  int
  malformed() const
  {
    return m_malformed;
  }
  bool
  overflowed() const
  {
    return m_lines.overflowed();
  }

private:
  void object(std::string_view line, const Handler& on_event);
  void text(std::string_view piece, bool flush, const Handler& on_event);
  void emit(std::string_view line, const Handler& on_event);

  LineSplitter m_lines;
  std::string m_text;         // "stream" text not yet ended by '\n', at most k_max_log_line
  bool m_cutting = false;     // the current log line was cut: drop the rest until its newline
  bool m_step_cached = false; // the current step was served from the layer cache
  std::optional<std::string> m_error;
  std::string m_image_id;
  int m_malformed = 0;
};

// POST /libpod/images/{name}/push?quiet=false, the compat /images/{name}/push
// and POST /libpod/manifests/{name}/registry/{dest}?quiet=false: progress
// lines, then {"manifestdigest": …} (libpod ≥ 4.9), a compat {"status": "TAG:
// digest: sha256:… size: N"} or a manifest push's {"Id": …}; failures as
// {"error": …} / {"errorDetail": …}.
class PushStreamParser {
public:
  // False once the stream has a line past k_max_stream_line.
  bool feed(std::string_view bytes, const std::function<void(std::string_view)>& on_progress);
  void finish(const std::function<void(std::string_view)>& on_progress);

  const std::optional<std::string>&
  error() const
  {
    return m_error;
  }
  const std::string&
  digest() const
  {
    return m_digest;
  }
  int
  malformed() const
  {
    return m_malformed;
  }
  bool
  overflowed() const
  {
    return m_lines.overflowed();
  }

private:
  void object(std::string_view line, const std::function<void(std::string_view)>& on_progress);

  LineSplitter m_lines;
  std::optional<std::string> m_error;
  std::string m_digest;
  int m_malformed = 0;
};

} // namespace pma::libpod
