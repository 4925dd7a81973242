#include <pma/util/error.hpp>
#include <pma/util/redact.hpp>

namespace pma::util {

const char*
to_string(const ErrorClass cls)
{
  switch (cls) {
  case ErrorClass::usage:
    return "usage";
  case ErrorClass::config:
    return "config";
  case ErrorClass::connect:
    return "connect";
  case ErrorClass::tls:
    return "tls";
  case ErrorClass::ssh_auth:
    return "ssh-auth";
  case ErrorClass::ssh_hostkey:
    return "ssh-hostkey";
  case ErrorClass::timeout:
    return "timeout";
  case ErrorClass::protocol:
    return "protocol";
  case ErrorClass::api:
    return "api";
  case ErrorClass::auth:
    return "auth";
  case ErrorClass::registry:
    return "registry";
  case ErrorClass::interrupted:
    return "interrupted";
  case ErrorClass::internal:
    return "internal";
  }
  return "internal";
}

std::string
Error::describe() const
{
  std::string out;
  if (!host.empty()) {
    out += "host ";
    out += host;
    if (!platform.empty()) {
      out += " (" + platform + ")";
    }
    out += ": ";
  } else if (!platform.empty()) {
    out += platform + ": ";
  }
  out += message;
  if (!hint.empty()) {
    out += " — ";
    out += hint;
  }
  // Messages quote registry and host answers, which may echo what was sent.
  return redact::apply(out);
}

Error&&
Error::with_host(std::string name) &&
{
  host = std::move(name);
  return std::move(*this);
}

Error&&
Error::with_hint(std::string text) &&
{
  hint = std::move(text);
  return std::move(*this);
}

Error&&
Error::with_transient(const bool value) &&
{
  transient = value;
  return std::move(*this);
}

ExitStatus
exit_status_for(const ErrorClass cls)
{
  switch (cls) {
  case ErrorClass::usage:
  case ErrorClass::config:
    return ExitStatus::usage;
  case ErrorClass::interrupted:
    return ExitStatus::interrupted;
  default:
    return ExitStatus::failure;
  }
}

} // namespace pma::util
