#pragma once

// Private to src/auth.
#include <pma/auth/credentials.hpp>

namespace pma::auth::detail {

// Registers with util::redact every form in which `credential` can leave this
// process or come back in an answer (credentials.cpp, beside the encoders
// that make those forms).
void register_secrets(const Credential& credential);

} // namespace pma::auth::detail
