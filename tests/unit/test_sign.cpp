// Sigstore keys and signatures against what skopeo 1.18 (containers/image
// 5.34) wrote in the lab: its key file, and a signature it stored.
#include <pma/oci/digest.hpp>
#include <pma/sign/attachment.hpp>
#include <pma/sign/key.hpp>
#include <pma/sign/signature.hpp>
#include <pma/util/base64.hpp>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

using namespace pma::sign;
using pma::util::base64_decode;
using pma::util::base64_encode;

namespace {

// `skopeo generate-sigstore-key` (1.18.0), passphrase "testpass".
constexpr const char* k_skopeo_private = R"(-----BEGIN ENCRYPTED COSIGN PRIVATE KEY-----
eyJrZGYiOnsibmFtZSI6InNjcnlwdCIsInBhcmFtcyI6eyJOIjo2NTUzNiwiciI6
OCwicCI6MX0sInNhbHQiOiJLVlMxY29PKzdHN1dBMWdLRnN5RHB1QXFrTFpuUnhq
YVduc3E5SlpMVkRnPSJ9LCJjaXBoZXIiOnsibmFtZSI6Im5hY2wvc2VjcmV0Ym94
Iiwibm9uY2UiOiJqQlJ1ZTBPSDRpek5GVzJHaVYyMnRJTFpxejE3bFd3SyJ9LCJj
aXBoZXJ0ZXh0IjoicXFNbWtBSHBjT2xFME9aS21ENE1PTU1xOEdNUkp6RFpyRHJI
aHF0S1g4dEhEZ0FJTy9DM3JleGFpYWxXMjY4ME9YOE5mTnlaWDdCd0ZnUEZJc1Za
MFBjOEdMcWpnTVovR1l0dGVoaEk2L0ZpK2lmUGJxak1wNDJmL2Jac2Q3VFZMV3ZG
bnpsby9QVDlnQW9rTTNhdFNOUkx6L2hjQkYvYk8rQ3NYd2JQS01VQjh5eTBsczBp
bWVidEhzTjNFSW9OMjhMWStaSzVZbGpIVnc9PSJ9
-----END ENCRYPTED COSIGN PRIVATE KEY-----
)";
constexpr const char* k_skopeo_public = R"(-----BEGIN PUBLIC KEY-----
MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEGgAxSu9BL6FJsKpxtEyi9mNDJs+2
wDE8sANMt/T/j07TSLrDTh6EAR8ZGorZDcraehQseZyijUzlYv7zlXjPdA==
-----END PUBLIC KEY-----
)";
// A signature skopeo 1.18 stored with that key (payload bytes as in the registry).
constexpr const char* k_payload =
    R"({"critical":{"identity":{"docker-reference":"127.0.0.1:45443/research18/keytest-skokey:v1"},"image":{"docker-manifest-digest":"sha256:9e05c5c0d9e445d557ef7be376307d65dfaaa2ce7a08db497ae8490d4e418bc7"},"type":"cosign container image signature"},"optional":{"creator":"containers/image 5.34.2","timestamp":1796114469}})";
constexpr const char* k_signature =
    "MEUCIQDbpPe6PbpOZWmePJ91vDv8wOfZ5qxBw5kX8sJOefJuHQIgam680kgugcLQW/v35JJyDgrOWlOvvHIdOgLRhkR7hOg=";
const Claims k_claims{"127.0.0.1:45443/research18/keytest-skokey:v1",
                      "sha256:9e05c5c0d9e445d557ef7be376307d65dfaaa2ce7a08db497ae8490d4e418bc7"};

// The JSON envelope inside a private key PEM.
nlohmann::json
envelope_of(const std::string& pem)
{
  std::string body;
  std::istringstream in(pem);
  for (std::string line; std::getline(in, line);) {
    if (!line.starts_with("-----")) {
      body += line;
    }
  }
  return nlohmann::json::parse(*base64_decode(body));
}

std::string
pem_of(const std::string& type, const nlohmann::json& envelope)
{
  return "-----BEGIN " + type + "-----\n" + base64_encode(envelope.dump(), false) + "\n-----END " + type + "-----\n";
}

} // namespace

TEST_SUITE("sign")
{
  TEST_CASE("sign: a key skopeo generated decrypts, and signs what its public key verifies")
  {
    auto key = PrivateKey::decrypt(k_skopeo_private, "testpass", "skokey.private");
    REQUIRE(key);
    CHECK(*key->public_pem() == k_skopeo_public);
    auto pub = PublicKey::parse(k_skopeo_public, "skokey.pub");
    REQUIRE(pub);
    auto signature = sign_manifest(*key, k_claims, "podman-multiarch test", 1796114469);
    REQUIRE(signature);
    CHECK(verify(*pub, *signature, k_claims));

    const auto wrong = PrivateKey::decrypt(k_skopeo_private, "testpass\r", "skokey.private");
    REQUIRE_FALSE(wrong);
    CHECK(wrong.error().message == "private key skokey.private: wrong passphrase (or a damaged file)");
  }

  TEST_CASE("sign: a signature containers/image made verifies here, byte for byte its payload")
  {
    CHECK(payload(k_claims, "containers/image 5.34.2", 1796114469) == k_payload);
    auto pub = PublicKey::parse(k_skopeo_public, "skokey.pub");
    REQUIRE(pub);
    const Signature theirs{k_payload, *base64_decode(k_signature)};
    CHECK(verify(*pub, theirs, k_claims));
    Signature tampered = theirs;
    tampered.payload[tampered.payload.size() - 2] = '8'; // another timestamp
    CHECK(verify(*pub, tampered, k_claims).error().message == "the signature is not this key's");
    auto other = generate_key_pair("x");
    REQUIRE(other);
    CHECK_FALSE(verify(*PublicKey::parse(other->public_pem, "other.pub"), theirs, k_claims));
    Claims tag = k_claims;
    tag.docker_reference = "127.0.0.1:45443/research18/keytest-skokey:v2"; // one signature is for one tag
    CHECK(verify(*pub, theirs, tag).error().message ==
          "the signature names 127.0.0.1:45443/research18/keytest-skokey:v1, not "
          "127.0.0.1:45443/research18/keytest-skokey:v2");
    Claims digest = k_claims;
    digest.manifest_digest = "sha256:" + std::string(64, '0');
    CHECK_FALSE(verify(*pub, theirs, digest));
  }

  TEST_CASE("sign: a new key pair is written as skopeo 1.14+ writes it")
  {
    auto files = generate_key_pair("secret");
    REQUIRE(files);
    CHECK(files->private_pem.starts_with("-----BEGIN ENCRYPTED COSIGN PRIVATE KEY-----\n"));
    CHECK(files->private_pem.ends_with("-----END ENCRYPTED COSIGN PRIVATE KEY-----\n"));
    CHECK(files->public_pem.starts_with("-----BEGIN PUBLIC KEY-----\n"));
    const auto envelope = envelope_of(files->private_pem);
    CHECK(envelope["kdf"]["name"] == "scrypt");
    CHECK(envelope["kdf"]["params"] == nlohmann::json{{"N", 65536}, {"r", 8}, {"p", 1}});
    CHECK(base64_decode(envelope["kdf"]["salt"].get<std::string>())->size() == 32);
    CHECK(envelope["cipher"]["name"] == "nacl/secretbox");
    CHECK(base64_decode(envelope["cipher"]["nonce"].get<std::string>())->size() == 24);
    CHECK(base64_decode(envelope["ciphertext"].get<std::string>())->size() == 138 + 16); // PKCS#8 P-256 + tag
    std::string body;
    std::istringstream lines(files->private_pem);
    for (std::string line; std::getline(lines, line);) {
      CHECK(line.size() <= 64); // PEM's 64 columns
      body += line.starts_with("-----") ? "" : line;
    }
    // go-securesystemslib's field order, compact.
    CHECK(base64_decode(body)->starts_with(R"({"kdf":{"name":"scrypt","params":{"N":65536,"r":8,"p":1},"salt":")"));

    auto key = PrivateKey::decrypt(files->private_pem, "secret", "k.private");
    REQUIRE(key);
    CHECK(*key->public_pem() == files->public_pem);
    CHECK_FALSE(PrivateKey::decrypt(files->private_pem, "Secret", "k.private"));
    auto empty = generate_key_pair("");
    REQUIRE(empty);
    CHECK(PrivateKey::decrypt(empty->private_pem, "", "e.private"));
    CHECK(generate_key_pair("secret")->public_pem != files->public_pem);
  }

  TEST_CASE("sign: key files podman would refuse are refused")
  {
    auto envelope = envelope_of(k_skopeo_private);
    CHECK(PrivateKey::decrypt(pem_of("ENCRYPTED SIGSTORE PRIVATE KEY", envelope), "testpass", "k"));
    CHECK(PrivateKey::decrypt(pem_of("EC PRIVATE KEY", envelope), "testpass", "k")
              .error()
              .message.starts_with("private key k: a PEM \"EC PRIVATE KEY\", not \"ENCRYPTED COSIGN PRIVATE KEY\""));
    CHECK(PrivateKey::decrypt("garbage", "testpass", "k").error().message == "private key k: not a PEM file");
    auto params = envelope;
    params["kdf"]["params"]["N"] = 16384;
    CHECK(PrivateKey::decrypt(pem_of("ENCRYPTED COSIGN PRIVATE KEY", params), "testpass", "k").error().message ==
          "private key k: unsupported scrypt parameters");
    auto cipher = envelope;
    cipher["cipher"]["name"] = "aes-gcm";
    CHECK_FALSE(PrivateKey::decrypt(pem_of("ENCRYPTED COSIGN PRIVATE KEY", cipher), "testpass", "k"));
    auto nonce = envelope;
    nonce["cipher"]["nonce"] = base64_encode("short", false);
    CHECK(PrivateKey::decrypt(pem_of("ENCRYPTED COSIGN PRIVATE KEY", nonce), "testpass", "k").error().message ==
          "private key k: a damaged envelope (salt, nonce or ciphertext)");
    CHECK(PublicKey::parse(k_skopeo_private, "p").error().message == "public key p: not a PEM \"PUBLIC KEY\"");
  }

  TEST_CASE("sign: payloads are read as strictly as containers/image reads them")
  {
    CHECK(parse_payload(k_payload)->docker_reference == k_claims.docker_reference);
    auto json = nlohmann::json::parse(k_payload);
    json["optional"] = nullptr;
    CHECK(parse_payload(json.dump()));
    auto extra = nlohmann::json::parse(k_payload);
    extra["critical"]["extra"] = 1;
    CHECK_FALSE(parse_payload(extra.dump()));
    auto type = nlohmann::json::parse(k_payload);
    type["critical"]["type"] = "atomic container signature";
    CHECK_FALSE(parse_payload(type.dump()));
    auto identity = nlohmann::json::parse(k_payload);
    identity["critical"]["identity"]["more"] = "x";
    CHECK_FALSE(parse_payload(identity.dump()));
    auto optional = nlohmann::json::parse(k_payload);
    optional["optional"] = "text";
    CHECK_FALSE(parse_payload(optional.dump()));
    CHECK_FALSE(parse_payload("[]"));
  }

  TEST_CASE("sign: where signatures are stored, and the passphrase file's first line")
  {
    CHECK(attachment_tag("sha256:9e05c5c0d9e4") == "sha256-9e05c5c0d9e4.sig");
    const auto dir = std::filesystem::temp_directory_path() / "pma-test-sign";
    std::filesystem::create_directories(dir);
    const auto write = [&](const std::string& text) {
      std::ofstream(dir / "pass", std::ios::binary) << text;
      return read_passphrase_file(dir / "pass");
    };
    CHECK(*write("testpass\n") == "testpass");
    CHECK(*write("testpass\r\n") == "testpass\r"); // as podman and skopeo read it
    CHECK(*write("first\nsecond\n") == "first");
    CHECK(*write("no newline") == "no newline");
    CHECK(write("")->empty());
    std::filesystem::remove_all(dir);
    CHECK_FALSE(read_passphrase_file(dir / "missing"));
  }

  TEST_CASE("sign: attachment manifests are written and appended to as containers/image does")
  {
    const Signature first{R"({"critical":{}})", std::string("\x30\x45\x02", 3)};
    const Signature second{R"({"critical":{"x":1}})", "sig2"};
    const auto created = append_signatures("", "", {first});
    REQUIRE(created);
    CHECK(created->config == R"({"architecture":"","os":"","config":{},"rootfs":{"type":"layers","diff_ids":[")" +
                                 pma::oci::digest_of(first.payload) + R"("]}})");
    CHECK(created->payloads == std::vector<std::string>{first.payload});
    const auto manifest = nlohmann::json::parse(created->manifest);
    CHECK(manifest["schemaVersion"] == 2);
    CHECK(manifest["mediaType"] == "application/vnd.oci.image.manifest.v1+json");
    CHECK(manifest["config"]["mediaType"] == "application/vnd.oci.image.config.v1+json");
    CHECK(manifest["config"]["digest"] == pma::oci::digest_of(created->config));
    CHECK(manifest["config"]["size"] == created->config.size());
    REQUIRE(manifest["layers"].size() == 1);
    CHECK(manifest["layers"][0]["mediaType"] == "application/vnd.dev.cosign.simplesigning.v1+json");
    CHECK(manifest["layers"][0]["digest"] == pma::oci::digest_of(first.payload));
    CHECK(manifest["layers"][0]["annotations"]["dev.cosignproject.cosign/signature"] ==
          base64_encode(first.signature, false));

    // Appended: the first stays first; the same signature again is not added twice.
    const auto appended = append_signatures(created->manifest, created->config, {first, second});
    REQUIRE(appended);
    CHECK(appended->payloads == std::vector<std::string>{second.payload});
    const auto parsed = parse_attachment(appended->manifest);
    REQUIRE(parsed);
    REQUIRE(parsed->layers.size() == 2);
    CHECK(parsed->layers[0].payload_digest == pma::oci::digest_of(first.payload));
    CHECK(parsed->layers[0].signature == first.signature);
    CHECK(parsed->layers[1].payload_size == static_cast<std::int64_t>(second.payload.size()));
    CHECK(parsed->config_digest == pma::oci::digest_of(appended->config));
    CHECK(nlohmann::json::parse(appended->config)["rootfs"]["diff_ids"].size() == 2);

    // Another tool's config keeps its fields; layers of other kinds are skipped when read.
    const auto foreign = append_signatures(
        R"({"schemaVersion":2,"config":{"digest":"sha256:00"},"layers":[{"mediaType":"application/octet-stream","digest":"sha256:11","size":1}]})",
        R"({"created":"0001-01-01T00:00:00Z","rootfs":{"type":"layers","diff_ids":["sha256:11"]}})", {second});
    REQUIRE(foreign);
    CHECK(nlohmann::json::parse(foreign->config)["created"] == "0001-01-01T00:00:00Z");
    CHECK(parse_attachment(foreign->manifest)->layers.size() == 1);
    CHECK_FALSE(parse_attachment("[]"));
    CHECK_FALSE(append_signatures("{}", "not json", {first}));
  }
}
