#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

// Decoders for libpod's newline-delimited JSON response streams (build, push,
// manifest push). Fed raw bytes as they arrive; chunk boundaries are arbitrary.
namespace pma::api {

// Splits a byte stream into lines ('\n'-terminated; a final unterminated line
// is delivered by finish()).
class LineSplitter {
public:
  void feed(std::string_view bytes, const std::function<void(std::string_view)>& on_line);
  void finish(const std::function<void(std::string_view)>& on_line);

private:
  std::string m_pending;
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
class BuildStreamParser {
public:
  using Handler = std::function<void(const BuildEvent&)>;

  void feed(std::string_view bytes, const Handler& on_event);
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

private:
  void object(std::string_view line, const Handler& on_event);
  void text(std::string_view piece, bool flush, const Handler& on_event);

  LineSplitter m_lines;
  std::string m_text;         // "stream" text not yet ended by '\n'
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
  void feed(std::string_view bytes, const std::function<void(std::string_view)>& on_progress);
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

private:
  void object(std::string_view line, const std::function<void(std::string_view)>& on_progress);

  LineSplitter m_lines;
  std::optional<std::string> m_error;
  std::string m_digest;
  int m_malformed = 0;
};

} // namespace pma::api
