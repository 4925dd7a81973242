#include <pma/util/interrupt.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <csignal>
#include <map>
#include <mutex>
#include <thread>

namespace pma::util::interrupt {

namespace {

std::atomic<bool> g_requested{false};
int g_pipe[2] = {-1, -1};
std::mutex g_mutex;
std::map<int, std::function<void()>> g_cancellers;
int g_next_token = 0;

void
handler(int /*signal*/)
{
  if (g_requested.exchange(true)) {
    ::_exit(130); // the second Ctrl-C: leave now
  }
  const char byte = 1;
  [[maybe_unused]] const auto n = ::write(g_pipe[1], &byte, 1);
}

void
cancel_all()
{
  const std::lock_guard lock(g_mutex);
  for (auto& [token, cancel] : g_cancellers) {
    cancel();
  }
}

} // namespace

void
install()
{
  if (::pipe2(g_pipe, O_CLOEXEC) != 0) {
    return;
  }
  std::thread([] {
    char byte = 0;
    while (::read(g_pipe[0], &byte, 1) < 0) {
    }
    cancel_all();
  }).detach();
  struct sigaction action {};
  action.sa_handler = handler;
  sigemptyset(&action.sa_mask);
  ::sigaction(SIGINT, &action, nullptr);
  ::sigaction(SIGTERM, &action, nullptr);
}

bool
requested()
{
  return g_requested.load();
}

int
add(std::function<void()> cancel)
{
  const std::lock_guard lock(g_mutex);
  const int token = g_next_token++;
  g_cancellers.emplace(token, std::move(cancel));
  return token;
}

void
remove(const int token)
{
  const std::lock_guard lock(g_mutex);
  g_cancellers.erase(token);
}

bool
sleep_for(const std::chrono::milliseconds duration)
{
  std::mutex mutex;
  std::condition_variable woken;
  bool stop = false;
  const int token = add([&] {
    const std::lock_guard lock(mutex);
    stop = true;
    woken.notify_all();
  });
  {
    std::unique_lock lock(mutex);
    woken.wait_for(lock, duration, [&] { return stop || requested(); });
  }
  remove(token);
  return !requested();
}

void
request()
{
  g_requested = true;
  cancel_all();
}

void
reset()
{
  g_requested = false;
}

} // namespace pma::util::interrupt
