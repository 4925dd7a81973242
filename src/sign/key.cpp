// Sigstore key files (key.hpp, docs/signing.md). OpenSSL does the keys and
// ECDSA; libsodium the NaCl secretbox (XSalsa20-Poly1305, which OpenSSL does
// not have) and scrypt, exactly as Go's x/crypto writes them.
#include <pma/sign/key.hpp>
#include <pma/util/base64.hpp>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <sodium.h>

#include <array>
#include <fstream>
#include <mutex>
#include <vector>

namespace pma::sign {

using util::Error;
using util::ErrorClass;
using util::Result;

namespace {

// What skopeo 1.14+ (go-securesystemslib's encrypted package) writes and reads.
constexpr std::string_view k_written_type = "ENCRYPTED COSIGN PRIVATE KEY";
constexpr std::string_view k_other_type = "ENCRYPTED SIGSTORE PRIVATE KEY";
constexpr std::uint64_t k_scrypt_n = 65536;
constexpr std::uint32_t k_scrypt_r = 8;
constexpr std::uint32_t k_scrypt_p = 1;
constexpr size_t k_salt_size = 32;

using Pkey = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;
using Bio = std::unique_ptr<BIO, decltype(&BIO_free)>;

// Bytes that held a secret are wiped when they go.
struct Secret {
  std::vector<unsigned char> bytes;
  explicit Secret(size_t size)
    : bytes(size)
  {
  }
  ~Secret() { sodium_memzero(bytes.data(), bytes.size()); }
  Secret(const Secret&) = delete;
  Secret& operator=(const Secret&) = delete;
  Secret(Secret&&) = delete;
  Secret& operator=(Secret&&) = delete;
};

std::string
openssl_error(const std::string_view what)
{
  const unsigned long code = ERR_get_error();
  ERR_clear_error();
  std::array<char, 256> text{};
  ERR_error_string_n(code, text.data(), text.size());
  return code == 0 ? std::string(what) : fmt::format("{}: {}", what, text.data());
}

Result<void>
sodium_ready()
{
  static const int status = sodium_init(); // 0 first, 1 after; -1 on failure
  if (status < 0) {
    return util::fail(ErrorClass::internal, "libsodium could not be initialised");
  }
  return {};
}

std::string
bytes_of(const unsigned char* data, const size_t size)
{
  return {reinterpret_cast<const char*>(data), size}; // NOLINT(cppcoreguidelines-pro-type-reinterpret-cast)
}

std::string
bio_text(BIO* bio)
{
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio, &data);
  return size > 0 ? std::string(data, static_cast<size_t>(size)) : std::string();
}

// scrypt(passphrase, salt) as the 32-byte secretbox key.
Result<void>
derive(std::string_view passphrase, const std::string& salt, const std::uint64_t n, const std::uint32_t r,
       const std::uint32_t p, Secret& key)
{
  if (crypto_pwhash_scryptsalsa208sha256_ll(reinterpret_cast<const std::uint8_t*>(passphrase.data()), // NOLINT
                                            passphrase.size(),
                                            reinterpret_cast<const std::uint8_t*>(salt.data()), // NOLINT
                                            salt.size(), n, r, p, key.bytes.data(), key.bytes.size()) != 0) {
    return util::fail(ErrorClass::internal, "scrypt failed (out of memory?)");
  }
  return {};
}

} // namespace

Result<KeyFiles>
generate_key_pair(const std::string_view passphrase)
{
  PMA_TRY(sodium_ready());
  Pkey key(EVP_EC_gen("P-256"), &EVP_PKEY_free);
  if (!key) {
    return util::fail(ErrorClass::internal, openssl_error("generating an ECDSA P-256 key"));
  }
  // The PKCS#8 DER of the private key: what is encrypted.
  std::unique_ptr<PKCS8_PRIV_KEY_INFO, decltype(&PKCS8_PRIV_KEY_INFO_free)> info(EVP_PKEY2PKCS8(key.get()),
                                                                                 &PKCS8_PRIV_KEY_INFO_free);
  const int der_size = info ? i2d_PKCS8_PRIV_KEY_INFO(info.get(), nullptr) : -1;
  if (der_size <= 0) {
    return util::fail(ErrorClass::internal, openssl_error("encoding the private key"));
  }
  Secret der(static_cast<size_t>(der_size));
  unsigned char* out = der.bytes.data();
  i2d_PKCS8_PRIV_KEY_INFO(info.get(), &out);

  std::string salt(k_salt_size, '\0');
  randombytes_buf(salt.data(), salt.size());
  std::string nonce(crypto_secretbox_NONCEBYTES, '\0');
  randombytes_buf(nonce.data(), nonce.size());
  Secret box_key(crypto_secretbox_KEYBYTES);
  PMA_TRY(derive(passphrase, salt, k_scrypt_n, k_scrypt_r, k_scrypt_p, box_key));
  std::vector<unsigned char> sealed(der.bytes.size() + crypto_secretbox_MACBYTES);
  crypto_secretbox_easy(sealed.data(), der.bytes.data(), der.bytes.size(),
                        reinterpret_cast<const unsigned char*>(nonce.data()), box_key.bytes.data()); // NOLINT

  // go-securesystemslib's envelope: compact, in this order, bytes in padded standard base64.
  nlohmann::ordered_json envelope = {
      {"kdf",
       {{"name", "scrypt"},
        {"params", {{"N", k_scrypt_n}, {"r", k_scrypt_r}, {"p", k_scrypt_p}}},
        {"salt", util::base64_encode(salt, false)}}},
      {"cipher", {{"name", "nacl/secretbox"}, {"nonce", util::base64_encode(nonce, false)}}},
      {"ciphertext", util::base64_encode(bytes_of(sealed.data(), sealed.size()), false)}};
  const std::string body = envelope.dump();

  Bio private_bio(BIO_new(BIO_s_mem()), &BIO_free);
  Bio public_bio(BIO_new(BIO_s_mem()), &BIO_free);
  if (!private_bio || !public_bio ||
      PEM_write_bio(private_bio.get(), std::string(k_written_type).c_str(), "",
                    reinterpret_cast<const unsigned char*>(body.data()),
                    static_cast<long>(body.size())) <= 0 || // NOLINT
      PEM_write_bio_PUBKEY(public_bio.get(), key.get()) != 1) {
    return util::fail(ErrorClass::internal, openssl_error("writing the key files"));
  }
  return KeyFiles{bio_text(private_bio.get()), bio_text(public_bio.get())};
}

Result<std::string>
read_passphrase_file(const std::filesystem::path& file)
{
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    return util::fail(ErrorClass::usage, fmt::format("cannot read the passphrase file {}", file.string()));
  }
  std::string line;
  std::getline(in, line); // the first line, without its "\n" only (a "\r" stays, as in podman)
  if (in.bad()) {
    return util::fail(ErrorClass::usage, fmt::format("cannot read the passphrase file {}", file.string()));
  }
  return line;
}

// ---------------------------------------------------------------- PrivateKey

struct PrivateKey::Impl {
  Pkey key{nullptr, &EVP_PKEY_free};
};

PrivateKey::PrivateKey(std::unique_ptr<Impl> impl)
  : m_impl(std::move(impl))
{
}
PrivateKey::~PrivateKey() = default;
PrivateKey::PrivateKey(PrivateKey&& other) noexcept = default;
PrivateKey& PrivateKey::operator=(PrivateKey&& other) noexcept = default;

Result<PrivateKey>
PrivateKey::decrypt(const std::string_view pem, const std::string_view passphrase, const std::string& source)
{
  PMA_TRY(sodium_ready());
  const auto refuse = [&](const std::string& why) {
    return util::Unexpected(Error(ErrorClass::usage, fmt::format("private key {}: {}", source, why)));
  };
  Bio in(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), &BIO_free);
  char* name = nullptr;
  char* header = nullptr;
  unsigned char* data = nullptr;
  long size = 0;
  if (!in || PEM_read_bio(in.get(), &name, &header, &data, &size) != 1) {
    ERR_clear_error();
    return refuse("not a PEM file");
  }
  const std::string type = name;
  const std::string body = bytes_of(data, static_cast<size_t>(size));
  OPENSSL_free(name);
  OPENSSL_free(header);
  OPENSSL_free(data);
  if (type != k_written_type && type != k_other_type) {
    return refuse(fmt::format("a PEM \"{}\", not \"{}\" (podman and skopeo sign with keys from skopeo "
                              "generate-sigstore-key, cosign generate-key-pair, or this tool's)",
                              type, k_written_type));
  }
  const auto envelope = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  const auto text_at = [&](const nlohmann::json::json_pointer& at) -> std::string {
    return envelope.is_object() && envelope.contains(at) && envelope[at].is_string() ? envelope[at].get<std::string>()
                                                                                     : std::string();
  };
  const auto number_at = [&](const nlohmann::json::json_pointer& at) -> std::uint64_t {
    return envelope.is_object() && envelope.contains(at) && envelope[at].is_number_unsigned()
               ? envelope[at].get<std::uint64_t>()
               : 0;
  };
  using Ptr = nlohmann::json::json_pointer;
  if (text_at(Ptr("/kdf/name")) != "scrypt" || text_at(Ptr("/cipher/name")) != "nacl/secretbox") {
    return refuse("not a scrypt and nacl/secretbox envelope");
  }
  const std::uint64_t n = number_at(Ptr("/kdf/params/N"));
  // What skopeo 1.14+ accepts (1.11-1.13 wrote 32768).
  if ((n != 32768 && n != 65536 && n != 131072) || number_at(Ptr("/kdf/params/r")) != k_scrypt_r ||
      number_at(Ptr("/kdf/params/p")) != k_scrypt_p) {
    return refuse("unsupported scrypt parameters");
  }
  const auto salt = util::base64_decode(text_at(Ptr("/kdf/salt")));
  const auto nonce = util::base64_decode(text_at(Ptr("/cipher/nonce")));
  const auto sealed = util::base64_decode(text_at(Ptr("/ciphertext")));
  if (!salt || !nonce || nonce->size() != crypto_secretbox_NONCEBYTES || !sealed ||
      sealed->size() < crypto_secretbox_MACBYTES) {
    return refuse("a damaged envelope (salt, nonce or ciphertext)");
  }
  Secret box_key(crypto_secretbox_KEYBYTES);
  PMA_TRY(derive(passphrase, *salt, n, k_scrypt_r, k_scrypt_p, box_key));
  Secret der(sealed->size() - crypto_secretbox_MACBYTES);
  if (crypto_secretbox_open_easy(der.bytes.data(), reinterpret_cast<const unsigned char*>(sealed->data()), // NOLINT
                                 sealed->size(), reinterpret_cast<const unsigned char*>(nonce->data()),    // NOLINT
                                 box_key.bytes.data()) != 0) {
    return refuse("wrong passphrase (or a damaged file)");
  }
  const unsigned char* cursor = der.bytes.data();
  std::unique_ptr<PKCS8_PRIV_KEY_INFO, decltype(&PKCS8_PRIV_KEY_INFO_free)> info(
      d2i_PKCS8_PRIV_KEY_INFO(nullptr, &cursor, static_cast<long>(der.bytes.size())), &PKCS8_PRIV_KEY_INFO_free);
  auto impl = std::make_unique<Impl>();
  impl->key.reset(info ? EVP_PKCS82PKEY(info.get()) : nullptr);
  if (!impl->key) {
    ERR_clear_error();
    return refuse("the decrypted key is not PKCS#8");
  }
  if (EVP_PKEY_get_base_id(impl->key.get()) != EVP_PKEY_EC) {
    return refuse("not an ECDSA key (the keys skopeo and cosign generate are ECDSA P-256)");
  }
  return PrivateKey(std::move(impl));
}

Result<std::string>
PrivateKey::sign(const std::string_view data) const
{
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> md(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  size_t size = 0;
  if (!md || EVP_DigestSignInit(md.get(), nullptr, EVP_sha256(), nullptr, m_impl->key.get()) != 1 ||
      EVP_DigestSign(md.get(), nullptr, &size, reinterpret_cast<const unsigned char*>(data.data()), // NOLINT
                     data.size()) != 1) {
    return util::fail(ErrorClass::internal, openssl_error("signing"));
  }
  std::string signature(size, '\0');
  if (EVP_DigestSign(md.get(), reinterpret_cast<unsigned char*>(signature.data()), &size,      // NOLINT
                     reinterpret_cast<const unsigned char*>(data.data()), data.size()) != 1) { // NOLINT
    return util::fail(ErrorClass::internal, openssl_error("signing"));
  }
  signature.resize(size);
  return signature;
}

Result<std::string>
PrivateKey::public_pem() const
{
  Bio out(BIO_new(BIO_s_mem()), &BIO_free);
  if (!out || PEM_write_bio_PUBKEY(out.get(), m_impl->key.get()) != 1) {
    return util::fail(ErrorClass::internal, openssl_error("writing the public key"));
  }
  return bio_text(out.get());
}

// ---------------------------------------------------------------- PublicKey

struct PublicKey::Impl {
  Pkey key{nullptr, &EVP_PKEY_free};
};

PublicKey::PublicKey(std::unique_ptr<Impl> impl)
  : m_impl(std::move(impl))
{
}
PublicKey::~PublicKey() = default;
PublicKey::PublicKey(PublicKey&& other) noexcept = default;
PublicKey& PublicKey::operator=(PublicKey&& other) noexcept = default;

Result<PublicKey>
PublicKey::parse(const std::string_view pem, const std::string& source)
{
  Bio in(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), &BIO_free);
  auto impl = std::make_unique<Impl>();
  impl->key.reset(in ? PEM_read_bio_PUBKEY(in.get(), nullptr, nullptr, nullptr) : nullptr);
  if (!impl->key) {
    ERR_clear_error();
    return util::fail(ErrorClass::usage, fmt::format("public key {}: not a PEM \"PUBLIC KEY\"", source));
  }
  return PublicKey(std::move(impl));
}

bool
PublicKey::verifies(const std::string_view data, const std::string_view signature) const
{
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> md(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  const bool ok =
      md && EVP_DigestVerifyInit(md.get(), nullptr, EVP_sha256(), nullptr, m_impl->key.get()) == 1 &&
      EVP_DigestVerify(md.get(), reinterpret_cast<const unsigned char*>(signature.data()), signature.size(), // NOLINT
                       reinterpret_cast<const unsigned char*>(data.data()), data.size()) == 1;               // NOLINT
  ERR_clear_error();
  return ok;
}

} // namespace pma::sign
