#pragma once

#include <chrono>
#include <functional>

// Ctrl-C / SIGTERM: the first signal asks everything to stop (in-flight
// requests are cut, nothing new is published, cleanup runs); the second one
// exits at once with status 130.
namespace pma::util::interrupt {

// Installs the SIGINT/SIGTERM handlers and the thread that acts on them.
void install();

// Whether a stop was asked for.
bool requested();

// Registers `cancel`, called (from the watcher thread) when a stop is asked
// for while it is registered; returns a token for remove(). Work registered
// after the signal (cleanup) is not cancelled.
int add(std::function<void()> cancel);
void remove(int token);

// Sleeps for `duration` unless a stop is asked for; false if it was.
bool sleep_for(std::chrono::milliseconds duration);

// Asks for a stop as the first signal would (a deadline, tests).
void request();

// Forgets a stop request: for tests, which run many jobs in one process.
void reset();

} // namespace pma::util::interrupt
