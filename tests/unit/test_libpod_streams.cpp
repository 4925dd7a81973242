#include <pma/libpod/streams.hpp>

#include <doctest/doctest.h>

#include <vector>

using namespace pma::libpod;

TEST_SUITE_BEGIN("api");

namespace {

// Feeds `stream` to the parser in pieces of `chunk` bytes.
std::vector<BuildEvent>
parse_build(BuildStreamParser& parser, const std::string& stream, const size_t chunk)
{
  std::vector<BuildEvent> events;
  const auto collect = [&](const BuildEvent& event) { events.push_back(event); };
  for (size_t i = 0; i < stream.size(); i += chunk) {
    parser.feed(std::string_view(stream).substr(i, chunk), collect);
  }
  parser.finish(collect);
  return events;
}

const std::string k_id = "9d1c0f6e4b2a7c" + std::string(50, 'a');

} // namespace

TEST_CASE("libpod::BuildStreamParser success, at every chunk size")
{
  const std::string stream = R"({"stream":"STEP 1/3: FROM 127.0.0.1:45443/lab/busybox\n"}
{"stream":"STEP 2/3: RUN uname -m \u003e /arch\n"}
{"stream":"aarch"}
{"stream":"64\nline two\n"}
{"stream":"STEP 3/3: COPY . /\n"}
{"stream":"COMMIT 127.0.0.1:45443/x:1\n--\u003e 9d1c0f6e4b2\n"}
{"stream":"Successfully tagged 127.0.0.1:45443/x:1\n"}
{"stream":")" + k_id + R"(\n"}
)";
  for (const size_t chunk : {size_t{1}, size_t{7}, size_t{64}, stream.size()}) {
    CAPTURE(chunk);
    BuildStreamParser parser;
    const auto events = parse_build(parser, stream, chunk);
    CHECK_FALSE(parser.error());
    CHECK(parser.image_id() == k_id);
    CHECK(parser.malformed() == 0);
    REQUIRE(events.size() == 9);
    CHECK(events[0].kind == BuildEvent::Kind::step);
    CHECK(events[0].step == 1);
    CHECK(events[0].steps == 3);
    CHECK(events[1].text == "STEP 2/3: RUN uname -m > /arch");
    CHECK(events[2].text == "aarch64");
    CHECK(events[2].kind == BuildEvent::Kind::log);
    CHECK(events[3].text == "line two");
    CHECK(events[4].step == 3);
  }
}

TEST_CASE("libpod::BuildStreamParser in-stream failure")
{
  const std::string stream = R"({"stream":"STEP 1/2: FROM x\n"}
{"stream":"STEP 2/2: RUN false\n"}
{"errorDetail":{"message":"building at STEP \"RUN false\": while running runtime: exit status 1\n"},"error":"building at STEP \"RUN false\": while running runtime: exit status 1\n"}
)";
  BuildStreamParser parser;
  parse_build(parser, stream, 5);
  REQUIRE(parser.error());
  CHECK(*parser.error() == "building at STEP \"RUN false\": while running runtime: exit status 1");
  CHECK(parser.image_id().empty());
}

TEST_CASE("libpod::BuildStreamParser tolerates garbage and truncation")
{
  BuildStreamParser parser;
  const auto events = parse_build(parser, "<html>502 Bad Gateway</html>\n{\"stream\":\"partial line no newline\"}", 3);
  CHECK(parser.malformed() == 1);
  REQUIRE(events.size() == 1);
  CHECK(events[0].text == "partial line no newline");
  CHECK(parser.image_id().empty());

  BuildStreamParser truncated;
  parse_build(truncated, "{\"stream\":\"STEP 1/1: FROM x\\n\"}\n{\"stream\":\"abc", 4);
  CHECK(truncated.malformed() == 1);
}

TEST_CASE("libpod::BuildStreamParser multi-platform prefixes still count steps")
{
  BuildStreamParser parser;
  const auto events = parse_build(parser, "{\"stream\":\"[linux/arm64] STEP 2/4: RUN x\\n\"}\n", 100);
  REQUIRE(events.size() == 1);
  CHECK(events[0].step == 2);
  CHECK(events[0].steps == 4);
}

TEST_CASE("libpod::PushStreamParser")
{
  const auto parse = [](const std::string& stream) {
    PushStreamParser parser;
    std::vector<std::string> progress;
    for (size_t i = 0; i < stream.size(); i += 6) {
      parser.feed(std::string_view(stream).substr(i, 6), [&](std::string_view p) { progress.emplace_back(p); });
    }
    parser.finish([&](std::string_view p) { progress.emplace_back(p); });
    return std::make_pair(std::move(parser), progress);
  };
  const std::string digest = "sha256:" + std::string(64, 'b');
  SUBCASE("libpod ≥ 4.9 reports manifestdigest")
  {
    auto [parser, progress] = parse("{\"stream\":\"Copying blob sha256:1\\n\"}\n{\"stream\":\"Writing manifest\\n\"}\n"
                                    "{\"manifestdigest\":\"" +
                                    digest + "\"}\n");
    CHECK(parser.digest() == digest);
    CHECK_FALSE(parser.error());
    CHECK(progress == std::vector<std::string>{"Copying blob sha256:1", "Writing manifest"});
  }
  SUBCASE("compat route: digest in the last status")
  {
    auto [parser, progress] = parse("{\"status\":\"Pushing\",\"progressDetail\":{},\"id\":\"abc\"}\n"
                                    "{\"status\":\"1.0-linux-arm64: digest: " +
                                    digest + " size: 1234\",\"progressDetail\":{}}\n");
    CHECK(parser.digest() == digest);
  }
  SUBCASE("failure")
  {
    auto [parser, progress] =
        parse("{\"stream\":\"Copying\\n\"}\n{\"error\":\"unauthorized: authentication required\"}\n");
    REQUIRE(parser.error());
    CHECK(*parser.error() == "unauthorized: authentication required");
    CHECK(parser.digest().empty());
  }
}

TEST_SUITE_END();

TEST_SUITE_BEGIN("api");

TEST_CASE("libpod::BuildStreamParser reports layers this build committed, not cache hits")
{
  const std::string stream = R"({"stream":"STEP 1/3: FROM x\n"}
{"stream":"STEP 2/3: ARG A\n"}
{"stream":"--\u003e Using cache 1111111111111111111111111111111111111111111111111111111111111111\n"}
{"stream":"--\u003e 11111111111\n"}
{"stream":"STEP 3/3: RUN false\n"}
{"stream":"--\u003e 4dffd980b76\n"}
)";
  BuildStreamParser parser;
  std::vector<std::string> layers;
  parser.feed(stream, [&](const BuildEvent& event) {
    if (event.kind == BuildEvent::Kind::layer) {
      layers.push_back(event.layer);
    }
  });
  CHECK(layers == std::vector<std::string>{"4dffd980b76"});
}

TEST_SUITE_END();

TEST_CASE("libpod::LineSplitter holds at most its longest line")
{
  std::vector<std::string> lines;
  const auto collect = [&](std::string_view line) { lines.emplace_back(line); };
  LineSplitter splitter(8);
  CHECK(splitter.feed("12345678\nabc", collect));
  CHECK(splitter.feed("defgh\n", collect));
  CHECK(lines == std::vector<std::string>{"12345678", "abcdefgh"});
  CHECK_FALSE(splitter.overflowed());

  SUBCASE("a line past the limit, in pieces")
  {
    CHECK(splitter.feed("1234", collect));
    CHECK_FALSE(splitter.feed("56789", collect));
    CHECK(splitter.overflowed());
    CHECK_FALSE(splitter.feed("\nok\n", collect)); // nothing more after that
    CHECK(lines.size() == 2);
  }
  SUBCASE("a line past the limit, at once")
  {
    CHECK_FALSE(splitter.feed(std::string(100, 'x'), collect));
    CHECK(splitter.overflowed());
  }
}

TEST_CASE("libpod::BuildStreamParser refuses a stream line without end, memory bounded")
{
  BuildStreamParser parser;
  std::vector<BuildEvent> events;
  const auto collect = [&](const BuildEvent& event) { events.push_back(event); };
  CHECK(parser.feed("{\"stream\":\"STEP 1/1: FROM x\\n\"}\n", collect));
  const std::string chunk(65536, 'z');
  bool accepted = true;
  size_t fed = 0;
  while (accepted && fed < (size_t{8} << 20)) {
    accepted = parser.feed(chunk, collect);
    fed += chunk.size();
  }
  CHECK_FALSE(accepted);
  CHECK(parser.overflowed());
  CHECK(fed <= k_max_stream_line + chunk.size());
  CHECK(events.size() == 1);
}

TEST_CASE("libpod::BuildStreamParser cuts a log line without end, and goes on")
{
  BuildStreamParser parser;
  std::vector<BuildEvent> events;
  const auto collect = [&](const BuildEvent& event) { events.push_back(event); };
  // 200 pieces of 4000 bytes: 800 kB of one log line, in short JSON lines.
  const std::string piece = "{\"stream\":\"" + std::string(4000, 'y') + "\"}\n";
  for (int i = 0; i < 200; ++i) {
    REQUIRE(parser.feed(piece, collect));
  }
  REQUIRE(events.size() == 1); // shown as soon as it is cut
  CHECK(events[0].text.size() < k_max_log_line + 100);
  CHECK(events[0].text.starts_with(std::string(1000, 'y')));
  CHECK(events[0].text.ends_with("[… the rest of this line, past 64 KiB, is not shown]"));
  // The rest of that line is dropped; the next line is whole again.
  CHECK(parser.feed("{\"stream\":\"yyy tail\\nSTEP 2/2: COPY . /\\n\"}\n", collect));
  CHECK(parser.feed("{\"stream\":\"" + k_id + "\\n\"}\n", collect));
  parser.finish(collect);
  REQUIRE(events.size() == 3);
  CHECK(events[1].kind == BuildEvent::Kind::step);
  CHECK(events[1].step == 2);
  CHECK(parser.image_id() == k_id);
  CHECK_FALSE(parser.error());
}

TEST_CASE("libpod::PushStreamParser refuses a stream line without end")
{
  PushStreamParser parser;
  const auto ignore = [](std::string_view) {};
  CHECK_FALSE(parser.feed(std::string(k_max_stream_line + 1, '{'), ignore));
  CHECK(parser.overflowed());
}
