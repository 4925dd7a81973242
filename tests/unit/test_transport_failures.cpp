#include <pma/transport/failures.hpp>

#include <doctest/doctest.h>

using namespace pma::transport;

TEST_SUITE_BEGIN("transport");

TEST_CASE("transport::mentions_transient_failure: what containers/image and registries say")
{
  for (const char* text : {
           "pinging container registry r: dial tcp 127.0.0.1:5000: connect: connection refused",
           "received unexpected HTTP status: 502 Bad Gateway",
           "<html><head><title>503 Service Unavailable</title></head>",
           "TOOMANYREQUESTS: You have reached your pull rate limit",
           "writing blob: Patch \"https://r/v2/x/blobs/uploads/1\": unexpected EOF",
           "read tcp 10.0.0.2:4312->10.0.0.9:443: read: connection reset by peer",
           "net/http: TLS handshake timeout",
           "copying layer: HTTP 429",
       }) {
    CAPTURE(text);
    CHECK(mentions_transient_failure(text));
  }
  for (const char* text : {"unauthorized: authentication required", "manifest unknown", "HTTP 501", ""}) {
    CAPTURE(text);
    CHECK_FALSE(mentions_transient_failure(text));
  }
}

TEST_CASE("transport::is_transient_status")
{
  for (const int status : {429, 500, 502, 503, 504}) {
    CHECK(is_transient_status(status));
  }
  for (const int status : {200, 400, 401, 403, 404, 409, 501, 505}) {
    CHECK_FALSE(is_transient_status(status));
  }
}

TEST_SUITE_END();
