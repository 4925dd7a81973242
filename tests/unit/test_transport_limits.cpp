// Body limits and deadlines of the HTTP client: the plain logic, then the
// real client against a Unix socket served by a thread of this test (a
// slow-loris, an endless body, a false Content-Length).
#include <pma/transport/connection.hpp>
#include <pma/transport/http.hpp>
#include <pma/transport/limits.hpp>
#include <pma/util/deadline.hpp>
#include <pma/util/log.hpp>
#include <pma/util/retry.hpp>

#include <doctest/doctest.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cstring>
#include <filesystem>
#include <functional>
#include <thread>
#include <utility>
#include <vector>

using namespace pma;
using transport::BodyCollector;
using util::ErrorClass;

TEST_SUITE_BEGIN("transport");

TEST_CASE("transport::BodyCollector keeps at most its limit")
{
  BodyCollector body(10);
  CHECK(body.append("12345"));
  CHECK(body.append("67890"));
  CHECK_FALSE(body.exceeded());
  CHECK_FALSE(body.append("x"));
  CHECK(body.exceeded());
  CHECK_FALSE(body.append("")); // once exceeded, always
  CHECK(body.body() == "1234567890");

  SUBCASE("a huge piece at once")
  {
    BodyCollector small(4);
    CHECK_FALSE(small.append(std::string(1000, 'a')));
    CHECK(small.body().empty());
  }
}

TEST_CASE("transport::BodyCollector reads a claimed Content-Length")
{
  const BodyCollector body(size_t{1} << 20);
  CHECK(body.admits("0"));
  CHECK(body.admits("1048576"));
  CHECK_FALSE(body.admits("1048577"));
  CHECK_FALSE(body.admits("10737418240"));             // 10 GB
  CHECK_FALSE(body.admits("99999999999999999999999")); // past uint64
  CHECK(body.admits("garbage"));                       // httplib's business; the bytes are counted
}

TEST_CASE("transport messages: sizes, requests, errors")
{
  CHECK(transport::format_size(300) == "300 B");
  CHECK(transport::format_size(4096) == "4 KiB");
  CHECK(transport::format_size(size_t{1} << 20) == "1 MiB");
  CHECK(transport::format_size(size_t{3} << 19) == "1.5 MiB");
  CHECK(transport::format_size(uint64_t{10} << 30) == "10 GiB");
  CHECK(transport::describe_request("POST", "/v4.3.1/libpod/build?t=x&buildargs=SECRET") ==
        "POST /v4.3.1/libpod/build");

  const auto big = transport::body_too_large("/run/podman.sock", "GET /_ping", 4096, 0);
  CHECK(big.cls == ErrorClass::protocol);
  CHECK(big.message == "/run/podman.sock sent more than 4 KiB in its answer to GET /_ping: refused");
  CHECK_FALSE(util::is_transient(big));
  const auto error_body = transport::body_too_large("r:5000", "GET /v2/x/manifests/1", 65536, 500);
  CHECK(error_body.message.find("error answer (status 500)") != std::string::npos);
  CHECK_FALSE(util::is_transient(error_body)); // not marked: the same answer would come again

  const auto late = transport::deadline_passed("h.sock", "GET /_ping", std::chrono::milliseconds(2500));
  CHECK(late.cls == ErrorClass::timeout);
  CHECK(late.message == "h.sock did not answer GET /_ping completely within 2.5 s");
}

namespace {

// A Unix socket server on a thread: accepts connections and hands each to
// `serve` (with a flag that turns true when the test is over).
class LocalServer {
public:
  using Serve = std::function<void(int fd, const std::atomic<bool>& stop)>;

  explicit LocalServer(Serve serve)
    : m_serve(std::move(serve))
  {
    char dir[] = "/tmp/pma-unit-http-XXXXXX";
    REQUIRE(::mkdtemp(dir) != nullptr);
    m_dir = dir;
    m_path = m_dir + "/s.sock";
    m_fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::memcpy(addr.sun_path, m_path.c_str(), m_path.size() + 1);
    REQUIRE(::bind(m_fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0);
    REQUIRE(::listen(m_fd, 8) == 0);
    m_thread = std::thread([this] {
      while (true) {
        const int client = ::accept(m_fd, nullptr, nullptr);
        if (client < 0 || m_stop) {
          if (client >= 0) {
            ::close(client);
          }
          return;
        }
        m_serve(client, m_stop);
        ::close(client);
      }
    });
  }
  LocalServer(const LocalServer&) = delete;
  LocalServer& operator=(const LocalServer&) = delete;
  ~LocalServer()
  {
    m_stop = true;
    ::shutdown(m_fd, SHUT_RDWR);
    ::close(m_fd);
    m_thread.join();
    std::filesystem::remove_all(m_dir);
  }

  std::unique_ptr<transport::HttpClient>
  client(const std::chrono::milliseconds connect_timeout = std::chrono::seconds(5),
         const std::string& path_prefix = {}) const
  {
    return transport::make_http_client(transport::Endpoint{m_path, {}, 0, "test-host", {}, path_prefix},
                                       connect_timeout);
  }

private:
  Serve m_serve;
  std::string m_dir;
  std::string m_path;
  int m_fd = -1;
  std::atomic<bool> m_stop{false};
  std::thread m_thread;
};

// Reads the request head.
std::string
read_head(const int fd)
{
  std::string head;
  char c = 0;
  while (head.find("\r\n\r\n") == std::string::npos && ::read(fd, &c, 1) == 1) {
    head += c;
  }
  return head;
}

void
write_all(const int fd, const std::string_view data)
{
  size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::send(fd, data.data() + done, data.size() - done, MSG_NOSIGNAL);
    if (n <= 0) {
      return;
    }
    done += static_cast<size_t>(n);
  }
}

bool
write_some(const int fd, const std::string_view data)
{
  return ::send(fd, data.data(), data.size(), MSG_NOSIGNAL) > 0;
}

long
elapsed_ms(const std::chrono::steady_clock::time_point start)
{
  return static_cast<long>(
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start).count());
}

} // namespace

TEST_CASE("transport::HttpClient: a deadline bounds a slow-loris answer")
{
  // One header byte every 25 ms: the idle timeout never fires.
  const LocalServer server([](const int fd, const std::atomic<bool>& stop) {
    read_head(fd);
    const std::string answer = "HTTP/1.1 200 OK\r\nLibpod-API-Version: 4.3.1\r\nX-Padding: " + std::string(200, 'p');
    for (const char c : answer) {
      if (stop || !write_some(fd, std::string_view(&c, 1))) {
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(25));
    }
  });
  const auto client = server.client();
  const auto start = std::chrono::steady_clock::now();

  SUBCASE("the request's own deadline")
  {
    transport::HttpRequest request{.target = "/_ping", .deadline = start + std::chrono::milliseconds(200)};
    const auto answer = client->send(request);
    REQUIRE_FALSE(answer);
    CHECK(answer.error().cls == ErrorClass::timeout);
    CHECK(answer.error().message == "test-host did not answer GET /_ping completely within 0.2 s");
  }
  SUBCASE("the thread's deadline, when earlier")
  {
    const util::deadline::Scope scope(start + std::chrono::milliseconds(150));
    const auto answer = client->send({.target = "/_ping", .deadline = start + std::chrono::seconds(30)});
    REQUIRE_FALSE(answer);
    CHECK(answer.error().cls == ErrorClass::timeout);
  }
  const long took = elapsed_ms(start);
  CHECK(took >= 120);
  CHECK(took < 2000);
}

TEST_CASE("transport::HttpClient: a deadline already past sends nothing")
{
  std::atomic<int> connections{0};
  const LocalServer server([&connections](int, const std::atomic<bool>&) { ++connections; });
  const auto answer = server.client()->send(
      {.target = "/_ping", .deadline = std::chrono::steady_clock::now() - std::chrono::milliseconds(1)});
  REQUIRE_FALSE(answer);
  CHECK(answer.error().cls == ErrorClass::timeout);
  CHECK(connections == 0);
}

TEST_CASE("transport::HttpClient: a body past max_body is refused, memory stays flat")
{
  SUBCASE("an endless body without Content-Length")
  {
    const LocalServer server([](const int fd, const std::atomic<bool>& stop) {
      read_head(fd);
      write_all(fd, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n");
      const std::string chunk(65536, 'x');
      while (!stop && write_some(fd, chunk)) {
      }
    });
    const auto answer = server.client()->send({.target = "/info", .max_body = 100000});
    REQUIRE_FALSE(answer);
    CHECK(answer.error().cls == ErrorClass::protocol);
    CHECK(answer.error().message == "test-host sent more than 97.7 KiB in its answer to GET /info: refused");
  }
  SUBCASE("a claimed 10 GB Content-Length, refused before the body")
  {
    const LocalServer server([](const int fd, const std::atomic<bool>&) {
      read_head(fd);
      write_all(fd, "HTTP/1.1 500 Oops\r\nContent-Length: 10737418240\r\n\r\n{\"message\":");
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    });
    const auto start = std::chrono::steady_clock::now();
    const auto answer = server.client()->send({.target = "/info", .max_body = 4096});
    REQUIRE_FALSE(answer);
    CHECK(answer.error().message ==
          "test-host sent more than 4 KiB in its error answer (status 500) to GET /info: refused");
    CHECK(elapsed_ms(start) < 150); // not waiting for bytes that will never come
  }
  SUBCASE("within the limit: the body is there")
  {
    const LocalServer server([](const int fd, const std::atomic<bool>&) {
      read_head(fd);
      write_all(fd, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nLibpod-API-Version: 4.3.1\r\n\r\nOK");
    });
    const auto answer = server.client()->send({.target = "/_ping", .max_body = 2});
    REQUIRE(answer);
    CHECK(answer->body == "OK");
    CHECK(answer->header("libpod-api-version") == "4.3.1");
  }
  SUBCASE("a streamed success body is on_data's, not collected")
  {
    const LocalServer server([](const int fd, const std::atomic<bool>&) {
      read_head(fd);
      write_all(fd, "HTTP/1.1 200 OK\r\nContent-Length: 5000\r\n\r\n" + std::string(5000, 's'));
    });
    size_t seen = 0;
    const auto answer = server.client()->send({.target = "/build",
                                               .on_data =
                                                   [&seen](std::string_view data) {
                                                     seen += data.size();
                                                     return true;
                                                   },
                                               .max_body = 10});
    REQUIRE(answer);
    CHECK(seen == 5000);
    CHECK(answer->body.empty());
  }
}

TEST_CASE("transport::HttpClient: an endpoint's path prefix comes before every target")
{
  std::string head;
  const LocalServer server([&head](const int fd, const std::atomic<bool>&) {
    head = read_head(fd);
    write_all(fd, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nOK");
  });
  REQUIRE(server.client(std::chrono::seconds(5), "/api/podman")->send({.target = "/v4.3.1/libpod/info?x=1"}));
  CHECK(head.starts_with("GET /api/podman/v4.3.1/libpod/info?x=1 HTTP/1.1\r\n"));
  REQUIRE(server.client()->send({.target = "/_ping"}));
  CHECK(head.starts_with("GET /_ping HTTP/1.1\r\n"));
}

TEST_CASE("transport::dial: a tcp:// URL's path is its endpoint's prefix, as podman's client uses it")
{
  const util::log::Level level = util::log::level();
  util::log::set_level(util::log::Level::error); // no plain-tcp warning in the test's output
  for (const auto& [url, prefix] :
       std::vector<std::pair<std::string, std::string>>{{"tcp://127.0.0.1:1/api/podman", "/api/podman"},
                                                        {"tcp://127.0.0.1:1/api/podman/", "/api/podman"},
                                                        {"tcp://127.0.0.1:1/", ""},
                                                        {"tcp://127.0.0.1:1", ""}}) {
    auto connection = transport::dial(*transport::HostUrl::parse(url), {.host_name = "t"});
    REQUIRE(connection);
    CHECK((*connection)->endpoint().path_prefix == prefix);
  }
  util::log::set_level(level);
}

TEST_CASE("transport::HttpClient: a body stream's own error is the request's")
{
  transport::HttpRequest request{.method = "POST", .target = "/build"};
  SUBCASE("the stream fails while the peer reads: its error")
  {
    const LocalServer server([](const int fd, const std::atomic<bool>& stop) {
      read_head(fd);
      std::array<char, 4096> buffer{};
      while (!stop && ::read(fd, buffer.data(), buffer.size()) > 0) {
      }
    });
    request.body_stream = [](const transport::BodyWriter& write) -> util::Result<void> {
      if (!write("abc", 3)) {
        return util::fail(ErrorClass::connect, "cut");
      }
      return util::fail(ErrorClass::usage, "/ctx/a vanished while sending the context");
    };
    const auto answer = server.client()->send(request);
    REQUIRE_FALSE(answer);
    CHECK(answer.error().cls == ErrorClass::usage);
    CHECK(answer.error().message == "/ctx/a vanished while sending the context");
  }
  SUBCASE("the peer stops reading: the connection's error, whatever the stream says")
  {
    const LocalServer server([](const int fd, const std::atomic<bool>&) { read_head(fd); });
    request.body_stream = [](const transport::BodyWriter& write) -> util::Result<void> {
      const std::string piece(65536, 'x');
      for (int i = 0; i < 4096; ++i) {
        if (!write(piece.data(), piece.size())) {
          return util::fail(ErrorClass::usage, "not this one");
        }
      }
      return {};
    };
    const auto answer = server.client()->send(request);
    REQUIRE_FALSE(answer);
    CHECK(answer.error().cls == ErrorClass::connect);
    CHECK(answer.error().message == "connection to test-host closed while sending the request");
    CHECK(answer.error().transient);
  }
}

TEST_SUITE_END();
