// The JSON-lines stream parsers (build and push), fed in pieces whose sizes
// come from the input, as the network would cut them.
#include <pma/libpod/streams.hpp>

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int
LLVMFuzzerTestOneInput(const uint8_t* data, const size_t size)
{
  if (size < 2) {
    return 0;
  }
  const size_t piece = data[0] % 17 + 1;
  const bool build = (data[1] & 1) != 0;
  const std::string_view stream(reinterpret_cast<const char*>(data) + 2, size - 2);
  pma::libpod::BuildStreamParser build_parser;
  pma::libpod::PushStreamParser push_parser;
  const auto on_event = [](const pma::libpod::BuildEvent& event) { (void)event.text.size(); };
  const auto on_progress = [](std::string_view line) { (void)line.size(); };
  for (size_t i = 0; i < stream.size(); i += piece) {
    if (build) {
      build_parser.feed(stream.substr(i, piece), on_event);
    } else {
      push_parser.feed(stream.substr(i, piece), on_progress);
    }
  }
  build_parser.finish(on_event);
  push_parser.finish(on_progress);
  return 0;
}
