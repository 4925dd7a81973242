// The only file that includes <httplib.h>.
#include <pma/transport/http.hpp>
#include <pma/transport/limits.hpp>
#include <pma/util/deadline.hpp>
#include <pma/util/fs.hpp>
#include <pma/util/interrupt.hpp>
#include <pma/util/log.hpp>
#include <pma/util/strings.hpp>

#include <fmt/format.h>
#include <httplib.h>
#include <openssl/x509.h>
#include <pthread.h>
#include <sys/socket.h>

#include <algorithm>
#include <condition_variable>
#include <csignal>
#include <ctime>
#include <map>
#include <mutex>
#include <thread>

namespace pma::transport {

using util::ErrorClass;

namespace {

// httplib, as packaged, sends with flags 0: a peer that closes the connection
// while we write (a proxy answering before the body is read, a host that dies
// mid-upload) raises SIGPIPE, which would end the whole process. While a
// request runs, its thread blocks SIGPIPE; one raised meanwhile is consumed
// and the write fails with EPIPE, reported like any broken connection.
// Writes to a closed stdout keep the default: a quiet exit.
class SigpipeBlocked {
public:
  SigpipeBlocked()
  {
    sigemptyset(&m_pipe);
    sigaddset(&m_pipe, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &m_pipe, &m_previous);
  }
  SigpipeBlocked(const SigpipeBlocked&) = delete;
  SigpipeBlocked& operator=(const SigpipeBlocked&) = delete;
  ~SigpipeBlocked()
  {
    const timespec no_wait{};
    while (sigtimedwait(&m_pipe, nullptr, &no_wait) == SIGPIPE) {
    }
    pthread_sigmask(SIG_SETMASK, &m_previous, nullptr);
  }

private:
  sigset_t m_pipe{};
  sigset_t m_previous{};
};

// Cuts a request at its deadline, however slowly its peer trickles bytes (the
// read timeout restarts with each byte). A thread waits for the deadline or
// the request's end, whichever comes first, then stops the client, and again
// every 20 ms until the request returns: httplib connects under the lock that
// stop() takes, and a stop before the socket is in flight is lost.
class DeadlineWatch {
public:
  DeadlineWatch(const std::optional<Deadline> deadline, std::function<void()> stop)
    : m_stop(std::move(stop))
  {
    if (deadline) {
      m_thread = std::thread([this, until = *deadline] { run(until); });
    }
  }
  DeadlineWatch(const DeadlineWatch&) = delete;
  DeadlineWatch& operator=(const DeadlineWatch&) = delete;
  ~DeadlineWatch()
  {
    {
      const std::lock_guard lock(m_mutex);
      m_done = true;
    }
    m_wake.notify_all();
    if (m_thread.joinable()) {
      m_thread.join();
    }
  }

  // Whether the deadline cut the request.
  bool
  fired() const
  {
    const std::lock_guard lock(m_mutex);
    return m_fired;
  }

private:
  void
  run(const Deadline until)
  {
    std::unique_lock lock(m_mutex);
    if (m_wake.wait_until(lock, until, [this] { return m_done; })) {
      return;
    }
    m_fired = true;
    while (!m_done) {
      lock.unlock();
      m_stop();
      lock.lock();
      m_wake.wait_for(lock, std::chrono::milliseconds(20), [this] { return m_done; });
    }
  }

  const std::function<void()> m_stop;
  mutable std::mutex m_mutex;
  std::condition_variable m_wake;
  bool m_done = false;
  bool m_fired = false;
  std::thread m_thread;
};

std::string
describe(const Endpoint& endpoint)
{
  if (!endpoint.label.empty()) {
    return endpoint.label;
  }
  return endpoint.is_unix() ? endpoint.unix_path : fmt::format("{}:{}", endpoint.host, endpoint.port);
}

// The system's CAs plus `extra` (PEM files); httplib's own CA options replace
// the system store instead of adding to it. Parsing the system bundle costs
// tens of milliseconds of CPU, so each store is built once per process and
// shared (the caller gets its own reference).
X509_STORE*
ca_store(const std::vector<std::string>& extra)
{
  // Freed at exit (after the last client let go of them), before OpenSSL's
  // own cleanup, which was registered earlier.
  struct Stores {
    std::mutex mutex;
    std::map<std::vector<std::string>, X509_STORE*> by_files;
    Stores() = default;
    Stores(const Stores&) = delete;
    Stores& operator=(const Stores&) = delete;
    ~Stores()
    {
      for (auto& [files, store] : by_files) {
        X509_STORE_free(store);
      }
    }
  };
  static Stores stores;
  const std::lock_guard lock(stores.mutex);
  X509_STORE*& store = stores.by_files[extra];
  if (store == nullptr) {
    store = X509_STORE_new();
    X509_STORE_set_default_paths(store);
    for (const auto& file : extra) {
      if (X509_STORE_load_file(store, file.c_str()) != 1) {
        util::log::warn("cannot read CA certificate {}", file);
      }
    }
  }
  X509_STORE_up_ref(store);
  return store;
}

httplib::Client
make_client(const Endpoint& endpoint)
{
  if (endpoint.is_unix()) {
    httplib::Client client(endpoint.unix_path);
    client.set_address_family(AF_UNIX);
    return client;
  }
  if (!endpoint.tls.enabled) {
    return httplib::Client(endpoint.host, endpoint.port);
  }
  const bool ipv6 = endpoint.host.find(':') != std::string::npos;
  httplib::Client client(fmt::format("https://{}:{}", ipv6 ? "[" + endpoint.host + "]" : endpoint.host, endpoint.port),
                         endpoint.tls.cert_file, endpoint.tls.key_file);
  client.enable_server_certificate_verification(endpoint.tls.verify);
  if (endpoint.tls.verify) {
    client.set_ca_cert_store(ca_store(endpoint.tls.ca_files)); // httplib takes ownership of one reference
    // With no CA path set, httplib adds the default paths to the store on
    // every connection, which parses the whole system bundle again (25 ms).
    // A directory is looked up lazily, and this one is in the store already
    // (X509_STORE_set_default_paths reads the same variable), so the shared
    // store is not modified.
    const std::string dir = util::env(X509_get_default_cert_dir_env());
    client.set_ca_cert_path("", dir.empty() ? X509_get_default_cert_dir() : dir);
  }
  return client;
}

util::Error
transport_error(const httplib::Error error, const Endpoint& endpoint, const std::chrono::steady_clock::duration elapsed,
                const std::chrono::milliseconds idle_timeout)
{
  const std::string where = describe(endpoint);
  switch (error) {
  case httplib::Error::Connection:
    return {ErrorClass::connect, fmt::format("cannot connect to {}", where)};
  case httplib::Error::ConnectionTimeout:
    return {ErrorClass::timeout, fmt::format("timed out connecting to {}", where)};
  case httplib::Error::Read:
    // httplib reports a read timeout and a reset alike; the clock tells them apart.
    if (elapsed + std::chrono::milliseconds(50) >= idle_timeout) {
      return {ErrorClass::timeout, fmt::format("no data from {} for {} s", where,
                                               std::chrono::duration_cast<std::chrono::seconds>(idle_timeout).count())};
    }
    // A cut connection (class connect) may well take the next request.
    return util::Error(ErrorClass::connect, fmt::format("connection to {} closed while reading the response", where))
        .with_transient();
  case httplib::Error::Write:
    return util::Error(ErrorClass::connect, fmt::format("connection to {} closed while sending the request", where))
        .with_transient();
  case httplib::Error::SSLServerVerification:
    return {
        ErrorClass::tls, fmt::format("the TLS certificate of {} is not trusted", where),
        "podman trusts the system CAs and /etc/containers/certs.d/HOST:PORT/*.crt; --tls-verify=false skips the check"};
  case httplib::Error::SSLConnection:
    return {ErrorClass::connect, fmt::format("TLS handshake with {} failed", where)};
  case httplib::Error::SSLLoadingCerts:
    return {ErrorClass::config, fmt::format("cannot load the TLS client certificate for {}", where)};
  case httplib::Error::Canceled:
    return {ErrorClass::interrupted, fmt::format("request to {} cancelled", where)};
  default:
    return {ErrorClass::protocol, fmt::format("HTTP exchange with {} failed: {}", where, httplib::to_string(error))};
  }
}

class HttplibClient : public HttpClient {
public:
  HttplibClient(Endpoint endpoint, const std::chrono::milliseconds connect_timeout,
                const std::chrono::milliseconds idle_timeout)
    : m_endpoint(std::move(endpoint))
    , m_connect_timeout(connect_timeout)
    , m_idle_timeout(idle_timeout)
  {
  }

  util::Result<HttpResponse> send(const HttpRequest& request) override;
  std::chrono::milliseconds
  connect_timeout() const override
  {
    return m_connect_timeout;
  }

private:
  const Endpoint m_endpoint;
  const std::chrono::milliseconds m_connect_timeout;
  const std::chrono::milliseconds m_idle_timeout;
  std::unique_ptr<httplib::Client> m_kept; // Endpoint::keep_alive: the connection kept between requests
};

util::Result<HttpResponse>
HttplibClient::send(const HttpRequest& request)
{
  const auto start = std::chrono::steady_clock::now();
  const std::string what = describe_request(request.method, request.target);
  const std::optional<Deadline> deadline = util::deadline::earliest(request.deadline);
  const auto budget = deadline ? std::chrono::duration_cast<std::chrono::milliseconds>(*deadline - start)
                               : std::chrono::milliseconds::max();
  if (budget <= std::chrono::milliseconds(0)) {
    return util::Unexpected(deadline_passed(describe(m_endpoint), what, std::chrono::milliseconds(0)));
  }
  // Neither wait may outlast the deadline: a silent peer then ends the
  // request even if the watch's stop() were lost.
  const auto idle_timeout = std::min(request.idle_timeout.value_or(m_idle_timeout), budget);

  std::optional<httplib::Client> fresh;
  if (m_endpoint.keep_alive && !m_kept) {
    m_kept = std::make_unique<httplib::Client>(make_client(m_endpoint));
  }
  httplib::Client& client = m_endpoint.keep_alive ? *m_kept : fresh.emplace(make_client(m_endpoint));
  client.set_connection_timeout(std::min(m_connect_timeout, budget));
  client.set_read_timeout(idle_timeout);
  client.set_write_timeout(idle_timeout);
  client.set_keep_alive(m_endpoint.keep_alive);
  // Without it the request waits behind the TLS Finished message for the
  // peer's delayed ACK: 40-50 ms per HTTPS request (Unix sockets: no-op).
  client.set_tcp_nodelay(true);

  httplib::Request req;
  req.method = request.method;
  req.path = m_endpoint.path_prefix + request.target;
  for (const auto& [key, value] : request.headers) {
    req.headers.emplace(key, value);
  }
  if (m_endpoint.is_unix() && !req.has_header("Host")) {
    // podman's Go server rejects httplib's default Host for Unix sockets.
    req.headers.emplace("Host", "d");
  }
  req.headers.emplace("User-Agent", "podman-multiarch");
  if (!request.content_type.empty()) {
    req.headers.emplace("Content-Type", request.content_type);
  }
  bool upload_broken = false;            // the peer stopped reading the body: not a cancellation
  std::optional<util::Error> body_error; // the body stream's own failure, while the peer still read
  if (request.body_stream) {
    // httplib's chunked provider: we write the whole body in the first call.
    req.is_chunked_content_provider_ = true;
    req.headers.emplace("Transfer-Encoding", "chunked");
    req.content_provider_ = [&request, &upload_broken, &body_error](size_t /*offset*/, size_t /*length*/,
                                                                    httplib::DataSink& sink) {
      auto written = request.body_stream([&sink, &upload_broken](const char* data, const size_t size) {
        upload_broken = !(sink.is_writable() && sink.write(data, size));
        return !upload_broken;
      });
      if (!written) {
        if (!upload_broken) {
          body_error = std::move(written).error();
        }
        return false;
      }
      sink.done();
      return true;
    };
  } else {
    req.body = request.body;
  }

  // httplib, given no receiver, collects any body whole (a 10 GB answer
  // grows the process until it dies): ours collects at most max_body.
  BodyCollector body(request.max_body);
  bool claimed_too_large = false;
  int status = 0;
  req.response_handler = [&](const httplib::Response& res) {
    status = res.status;
    const bool collected = !request.on_data || status >= 400;
    if (collected && res.has_header("Content-Length") && !body.admits(res.get_header_value("Content-Length"))) {
      claimed_too_large = true;
      return false;
    }
    return true;
  };
  req.content_receiver = [&](const char* data, const size_t length, uint64_t, uint64_t) {
    if (request.on_data && status < 400) {
      return request.on_data(std::string_view(data, length));
    }
    return body.append(std::string_view(data, length));
  };

  httplib::Response res;
  httplib::Error error = httplib::Error::Success;
  bool ok = false;
  bool cut_at_deadline = false;
  {
    // Ctrl-C cuts the connection of every request in flight.
    const int token = util::interrupt::add([&client] { client.stop(); });
    const DeadlineWatch watch(deadline, [&client] { client.stop(); });
    const SigpipeBlocked no_sigpipe;
    ok = client.send(req, res, error);
    cut_at_deadline = watch.fired();
    util::interrupt::remove(token);
  }
  const auto end = std::chrono::steady_clock::now();
  const auto elapsed = end - start;
  util::log::debug("{} {} {} -> {} ({} ms)", request.method, describe(m_endpoint), request.target,
                   ok ? std::to_string(res.status) : httplib::to_string(error),
                   std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count());
  if (!ok) {
    if (body_error) {
      return util::Unexpected(std::move(*body_error)); // what the body could not be made of, not the exchange
    }
    if (util::interrupt::requested()) {
      return util::fail(ErrorClass::interrupted, fmt::format("request to {} interrupted", describe(m_endpoint)));
    }
    if (claimed_too_large || body.exceeded()) {
      return util::Unexpected(body_too_large(describe(m_endpoint), what, request.max_body, status));
    }
    // A read timeout clamped to the budget is the deadline too.
    if (cut_at_deadline || (deadline && end + std::chrono::milliseconds(50) >= *deadline)) {
      return util::Unexpected(deadline_passed(describe(m_endpoint), what, budget));
    }
    if (error == httplib::Error::Canceled && upload_broken) {
      error = httplib::Error::Write; // httplib calls a failed body write a cancellation
    }
    return util::Unexpected(transport_error(error, m_endpoint, elapsed, idle_timeout));
  }
  HttpResponse response;
  response.status = res.status;
  response.body = std::move(body.body());
  for (const auto& [key, value] : res.headers) {
    response.headers.emplace_back(key, value);
  }
  return response;
}

} // namespace

std::string
HttpResponse::header(const std::string_view name) const
{
  for (const auto& [key, value] : headers) {
    if (util::iequals(key, name)) {
      return value;
    }
  }
  return {};
}

std::unique_ptr<HttpClient>
make_http_client(Endpoint endpoint, const std::chrono::milliseconds connect_timeout,
                 const std::chrono::milliseconds idle_timeout)
{
  return std::make_unique<HttplibClient>(std::move(endpoint), connect_timeout, idle_timeout);
}

std::string
url_encode(const std::string_view text)
{
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u) != 0 || c == '-' || c == '.' || c == '_' || c == '~') {
      out += c;
    } else {
      out += fmt::format("%{:02X}", u);
    }
  }
  return out;
}

} // namespace pma::transport
