#pragma once

#include <cstddef>
#include <string>
#include <string_view>

// Secrets the process holds, and their removal from everything it prints or
// writes. Every credential is registered once, where it is loaded or
// obtained (auth files, --creds, token servers, the X-Registry-Auth values
// sent to hosts); every sink (error messages, warnings, progress, logs, the
// metadata file, inspect's output) passes its text through redact().
namespace pma::util::redact {

// What a secret is replaced with.
inline constexpr std::string_view k_mask = "*****";

// Shorter secrets are not registered: a 1–3 character password would turn
// every such letter of every message into stars, and is guessed faster than
// read. The longer forms that contain it (user:password, its base64, the
// headers) are registered all the same.
inline constexpr size_t k_min_length = 4;

// A secret shorter than this is replaced only where it stands alone: not
// inside a longer word, name or path (letters, digits and . _ - / around
// it), so that a password "wrong" leaves "wrong.json" alone but not
// "pma:wrong" or "password \"wrong\"". Longer secrets are replaced anywhere.
inline constexpr size_t k_anywhere_length = 8;

// Registers `secret` (ignored if shorter than k_min_length). Thread-safe.
void add(std::string_view secret);

// `text` with every registered secret replaced by k_mask, longest secrets
// first. Cheap (one atomic load) while nothing is registered. Thread-safe.
std::string apply(std::string_view text);

// Forgets every secret (for tests).
void clear();

} // namespace pma::util::redact
