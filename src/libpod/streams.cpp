// JSON boundary for libpod's streaming responses.
#include <pma/libpod/streams.hpp>
#include <pma/oci/reference.hpp>
#include <pma/util/strings.hpp>

#include <nlohmann/json.hpp>

#include <charconv>
#include <re2/re2.h>

namespace pma::libpod {

using nlohmann::json;

namespace {

std::string
string_member(const json& object, const char* key)
{
  const auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

bool
is_image_id(const std::string_view text)
{
  return text.size() == 64 && text.find_first_not_of("0123456789abcdef") == std::string_view::npos;
}

// "STEP 2/5: RUN make" → {2, 5}; podman also prefixes "[linux/arm64] " when a
// request builds several platforms.
bool
parse_step(std::string_view line, int& step, int& steps)
{
  if (line.starts_with('[')) {
    const size_t close = line.find("] ");
    if (close != std::string_view::npos) {
      line.remove_prefix(close + 2);
    }
  }
  if (!line.starts_with("STEP ")) {
    return false;
  }
  line.remove_prefix(5);
  const char* begin = line.data();
  const char* end = line.data() + line.size();
  auto [slash, ec] = std::from_chars(begin, end, step);
  if (ec != std::errc() || slash == end || *slash != '/') {
    return false;
  }
  auto [colon, ec2] = std::from_chars(slash + 1, end, steps);
  return ec2 == std::errc() && colon != end && *colon == ':';
}

// One line of a stream as a JSON object; blank lines are skipped, anything
// else that is not an object is counted in `malformed`.
std::optional<json>
parse_object(const std::string_view line, int& malformed)
{
  if (util::trim(line).empty()) {
    return std::nullopt;
  }
  json value = json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (!value.is_object()) {
    ++malformed;
    return std::nullopt;
  }
  return value;
}

std::string
error_text(const json& object)
{
  if (const auto detail = object.find("errorDetail"); detail != object.end() && detail->is_object()) {
    if (std::string message = string_member(*detail, "message"); !message.empty()) {
      return std::string(util::trim(message));
    }
  }
  return std::string(util::trim(string_member(object, "error")));
}

} // namespace

bool
LineSplitter::feed(const std::string_view bytes, const std::function<void(std::string_view)>& on_line)
{
  if (m_overflowed) {
    return false;
  }
  size_t start = 0;
  while (true) {
    const size_t newline = bytes.find('\n', start);
    const std::string_view piece =
        bytes.substr(start, newline == std::string_view::npos ? std::string_view::npos : newline - start);
    if (piece.size() > m_max_line - m_pending.size()) {
      m_overflowed = true;
      m_pending = std::string();
      return false;
    }
    if (newline == std::string_view::npos) {
      m_pending.append(piece);
      return true;
    }
    if (m_pending.empty()) {
      on_line(piece);
    } else {
      m_pending.append(piece);
      on_line(m_pending);
      m_pending.clear();
    }
    start = newline + 1;
  }
}

void
LineSplitter::finish(const std::function<void(std::string_view)>& on_line)
{
  if (!m_pending.empty()) {
    on_line(m_pending);
    m_pending.clear();
  }
}

bool
BuildStreamParser::feed(const std::string_view bytes, const Handler& on_event)
{
  return m_lines.feed(bytes, [&](std::string_view line) { object(line, on_event); });
}

void
BuildStreamParser::finish(const Handler& on_event)
{
  m_lines.finish([&](std::string_view line) { object(line, on_event); });
  text("", true, on_event);
}

void
BuildStreamParser::object(const std::string_view line, const Handler& on_event)
{
  const auto parsed = parse_object(line, m_malformed);
  if (!parsed) {
    return;
  }
  const json& value = *parsed;
  if (const auto stream = value.find("stream"); stream != value.end() && stream->is_string()) {
    text(stream->get_ref<const std::string&>(), false, on_event);
  }
  if (value.contains("error") || value.contains("errorDetail")) {
    text("", true, on_event);
    m_error = error_text(value);
    if (m_error->empty()) {
      m_error = "the build failed without a message";
    }
  }
}

void
BuildStreamParser::text(const std::string_view piece, const bool flush, const Handler& on_event)
{
  size_t start = 0;
  while (start < piece.size()) {
    const size_t newline = piece.find('\n', start);
    const std::string_view part =
        piece.substr(start, newline == std::string_view::npos ? std::string_view::npos : newline - start);
    if (!m_cutting && part.size() > k_max_log_line - m_text.size()) {
      // Shown now, cut; the rest of the line is dropped as it comes.
      m_text.append(part.substr(0, k_max_log_line - m_text.size()));
      m_text.append(" [… the rest of this line, past 64 KiB, is not shown]");
      emit(m_text, on_event);
      m_text.clear();
      m_cutting = true;
    } else if (!m_cutting) {
      m_text.append(part);
    }
    if (newline == std::string_view::npos) {
      break;
    }
    if (!m_cutting) {
      emit(m_text, on_event);
    }
    m_text.clear();
    m_cutting = false;
    start = newline + 1;
  }
  if (flush) {
    if (!m_text.empty()) {
      emit(m_text, on_event);
    }
    m_text.clear();
    m_cutting = false;
  }
}

void
BuildStreamParser::emit(std::string_view line, const Handler& on_event)
{
  if (!line.empty() && line.back() == '\r') {
    line.remove_suffix(1);
  }
  if (is_image_id(line)) {
    m_image_id = std::string(line);
  }
  BuildEvent event;
  event.text = std::string(line);
  if (parse_step(line, event.step, event.steps)) {
    event.kind = BuildEvent::Kind::step;
    m_step_cached = false;
  } else if (line.starts_with("--> Using cache ")) {
    m_step_cached = true;
  } else if (line.starts_with("--> ") && !m_step_cached) {
    // "--> 4dffd980b76": a layer committed by this build (11 or 12 hex digits).
    const std::string_view id = util::trim(line.substr(4));
    if (id.size() >= 11 && id.size() <= 64 && id.find_first_not_of("0123456789abcdef") == std::string_view::npos) {
      event.kind = BuildEvent::Kind::layer;
      event.layer = std::string(id);
    }
  }
  on_event(event);
}

bool
PushStreamParser::feed(const std::string_view bytes, const std::function<void(std::string_view)>& on_progress)
{
  return m_lines.feed(bytes, [&](std::string_view line) { object(line, on_progress); });
}

void
PushStreamParser::finish(const std::function<void(std::string_view)>& on_progress)
{
  m_lines.finish([&](std::string_view line) { object(line, on_progress); });
}

void
PushStreamParser::object(const std::string_view line, const std::function<void(std::string_view)>& on_progress)
{
  const auto parsed = parse_object(line, m_malformed);
  if (!parsed) {
    return;
  }
  const json& value = *parsed;
  if (value.contains("error") || value.contains("errorDetail")) {
    m_error = error_text(value);
    if (m_error->empty()) {
      m_error = "the push failed without a message";
    }
    return;
  }
  // An image push's {"manifestdigest": …}; a manifest push's final {"Id": …}.
  for (const char* key : {"manifestdigest", "Id"}) {
    if (const std::string digest = string_member(value, key); !digest.empty()) {
      m_digest = digest;
      return;
    }
  }
  for (const char* key : {"stream", "status"}) {
    const std::string text = string_member(value, key);
    if (text.empty()) {
      continue;
    }
    // The compat route's last status: "1.0-arm64: digest: sha256:… size: 1234".
    static const RE2 k_digest_status(R"(digest: (sha256:[0-9a-f]{64}) size: [0-9]+)");
    if (std::string digest; RE2::PartialMatch(text, k_digest_status, &digest)) {
      m_digest = std::move(digest);
    }
    for (const auto& piece : util::split(util::trim(text), '\n')) {
      if (!util::trim(piece).empty()) {
        on_progress(util::trim(piece));
      }
    }
  }
}

} // namespace pma::libpod
