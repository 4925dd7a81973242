// Signing keys on disk (signing.hpp).
#include <pma/app/signing.hpp>
#include <pma/sign/key.hpp>
#include <pma/util/fs.hpp>
#include <pma/util/redact.hpp>

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace pma::app {

using util::ErrorClass;
using util::Result;

namespace {

// Creates `path` with `mode` (never an existing file) and writes `text`.
Result<void>
write_new(const std::filesystem::path& path, const std::string& text, const mode_t mode)
{
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (fd < 0) {
    return util::fail(ErrorClass::usage, errno == EEXIST
                                             ? fmt::format("refusing to overwrite the existing {}", path.string())
                                             : fmt::format("cannot write {}: {}", path.string(), std::strerror(errno)));
  }
  size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      const int saved = errno;
      ::close(fd);
      ::unlink(path.c_str());
      return util::fail(ErrorClass::usage, fmt::format("cannot write {}: {}", path.string(), std::strerror(saved)));
    }
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    ::unlink(path.c_str());
    return util::fail(ErrorClass::usage, fmt::format("cannot write {}", path.string()));
  }
  return {};
}

} // namespace

Result<KeyPaths>
write_sigstore_key_pair(const std::string& prefix, const std::string_view passphrase)
{
  const KeyPaths paths{prefix + ".private", prefix + ".pub"};
  for (const auto& path : {paths.private_key, paths.public_key}) {
    std::error_code ec;
    if (std::filesystem::symlink_status(path, ec).type() != std::filesystem::file_type::not_found) {
      return util::fail(ErrorClass::usage, fmt::format("refusing to overwrite the existing {}", path.string()));
    }
  }
  PMA_TRY_ASSIGN(const auto files, sign::generate_key_pair(passphrase));
  PMA_TRY(write_new(paths.private_key, files.private_pem, 0600));
  if (auto written = write_new(paths.public_key, files.public_pem, 0644); !written) {
    ::unlink(paths.private_key.c_str());
    return util::Unexpected(std::move(written).error());
  }
  return paths;
}

Result<std::unique_ptr<job::ReleaseSigner>>
load_signer(const SigningRequest& request, const auth::CredentialStore& credentials, const bool tls_verify)
{
  if (!request.passphrase.empty()) {
    util::redact::add(request.passphrase);
  }
  const std::string file = request.private_key.string();
  struct stat info {};
  if (::stat(request.private_key.c_str(), &info) != 0) {
    return util::fail(ErrorClass::usage, fmt::format("cannot read the signing key {}: {}", file, std::strerror(errno)));
  }
  if ((info.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
    return util::Unexpected(
        util::Error(ErrorClass::usage,
                    fmt::format("the signing key {} is open to others (mode {:04o}): refusing to use it", file,
                                info.st_mode & 07777U),
                    fmt::format("chmod 600 {}", file)));
  }
  PMA_TRY_ASSIGN(std::string pem, util::read_file(request.private_key));
  // Decrypted while the run dials its hosts; the job waits for it before building.
  return job::make_registry_signer(credentials,
                                   [pem = std::move(pem), passphrase = request.passphrase, file] {
                                     return sign::PrivateKey::decrypt(pem, passphrase, file);
                                   },
                                   {.tls_verify = tls_verify});
}

Result<std::unique_ptr<job::ReleaseSigner>>
signer_for(const std::optional<SigningRequest>& request, const job::BuildOptions& options, const bool tagged,
           const auth::CredentialStore& credentials)
{
  if (!request) {
    return std::unique_ptr<job::ReleaseSigner>();
  }
  if (options.no_push || options.fragment || !tagged) {
    return util::Unexpected(util::Error(
        ErrorClass::usage,
        fmt::format("--sign-by-sigstore-private-key signs what is published: not with {}",
                    options.no_push ? "--no-push" : (options.fragment ? "--fragment" : "a build without -t")),
        options.fragment ? "sign when the fragments are published: podman-multiarch publish "
                           "--sign-by-sigstore-private-key FILE"
                         : ""));
  }
  return load_signer(*request, credentials, options.tls_verify.value_or(true));
}

} // namespace pma::app
