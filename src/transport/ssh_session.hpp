#pragma once

// Private to src/transport's ssh_*.cpp, the only files that include libssh.
#include <pma/transport/connection.hpp>
#include <pma/util/error.hpp>

#include <libssh/libssh.h>

#include <memory>

namespace pma::transport::detail {

using SshSession = std::unique_ptr<ssh_session_struct, decltype(&ssh_free)>;

// Connects, checks the host key and authenticates: the same checks for the
// first session and for every reconnection.
util::Result<SshSession> open_session(const HostUrl& url, const DialOptions& options);

} // namespace pma::transport::detail
