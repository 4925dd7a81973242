#include <pma/app/validate.hpp>

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>

using namespace pma;
using namespace pma::app;
using util::ErrorClass;

TEST_SUITE_BEGIN("app");

namespace {

template <typename T>
std::string
message_of(const util::Result<T>& result)
{
  REQUIRE_FALSE(result);
  CHECK(result.error().cls == ErrorClass::usage);
  return result.error().describe();
}

oci::ImageRef
ref(const char* text)
{
  auto parsed = oci::ImageRef::parse(text);
  REQUIRE(parsed);
  return *parsed;
}

oci::Platform
platform(const char* text)
{
  auto parsed = oci::Platform::parse(text);
  REQUIRE(parsed);
  return *parsed;
}

} // namespace

TEST_CASE("app::list_elements")
{
  auto ok = list_elements({"linux/amd64, linux/arm64", "linux/s390x"}, "platform");
  REQUIRE(ok);
  CHECK(*ok == std::vector<std::string>{"linux/amd64", "linux/arm64", "linux/s390x"});
  CHECK(list_elements({}, "platform")->empty());
  CHECK(message_of(list_elements({""}, "platform")) == "--platform '' names nothing");
  CHECK(message_of(list_elements({"  "}, "require")) == "--require '  ' names nothing");
  CHECK(message_of(list_elements({"linux/amd64,,linux/arm64"}, "platform")) ==
        "--platform 'linux/amd64,,linux/arm64' has an empty element (a comma too many?)");
  CHECK(message_of(list_elements({"linux/amd64,"}, "platform")) ==
        "--platform 'linux/amd64,' has an empty element (a comma too many?)");
}

TEST_CASE("app::check_positive")
{
  CHECK(check_positive(std::chrono::milliseconds(1), "1ms", "timeout"));
  CHECK(message_of(check_positive(std::chrono::milliseconds(0), "0s", "idle-timeout")) ==
        "--idle-timeout '0s' must be more than 0 (e.g. 30s, 45m)");
}

TEST_CASE("app::valid_tag")
{
  CHECK(valid_tag("latest"));
  CHECK(valid_tag("1.4-linux-arm64-v8"));
  CHECK(valid_tag("_x"));
  CHECK(valid_tag(std::string(128, 'a')));
  CHECK_FALSE(valid_tag(std::string(129, 'a')));
  CHECK_FALSE(valid_tag(""));
  CHECK_FALSE(valid_tag("-x"));
  CHECK_FALSE(valid_tag(".x"));
  CHECK_FALSE(valid_tag("a/b"));
  CHECK_FALSE(valid_tag("a:b"));
  CHECK_FALSE(valid_tag("a@b"));
}

TEST_CASE("app::check_arch_tag_format")
{
  const std::vector<oci::ImageRef> tags = {ref("127.0.0.1:5000/app:1.4"), ref("127.0.0.1:5000/app")};
  const std::vector<oci::Platform> platforms = {platform("linux/amd64"), platform("linux/arm64/v8")};
  CHECK(check_arch_tag_format("{tag}-{os}-{arch}{-variant}", tags, platforms));
  CHECK(check_arch_tag_format("{arch}{variant}", tags, platforms));
  CHECK(check_arch_tag_format("{tag}", {}, platforms)); // --no-push: no tags
  CHECK(message_of(check_arch_tag_format("{tag}-{cpu}", tags, platforms)) ==
        "--arch-tag-format '{tag}-{cpu}': unknown placeholder '{cpu}' (known: {tag} {os} {arch} {variant} {-variant})");
  CHECK(message_of(check_arch_tag_format("{tag}-{arch", tags, platforms)).find("unknown placeholder '{arch'") !=
        std::string::npos);
  CHECK(message_of(check_arch_tag_format("{tag}/{arch}", tags, platforms)) ==
        "--arch-tag-format '{tag}/{arch}' makes '1.4/amd64' for 127.0.0.1:5000/app:1.4 on linux/amd64, which is not "
        "a valid tag (letters, digits, '_', '.' and '-', not starting with '.' or '-', at most 128 characters)");
  // A tag without a tag is "latest"; the variant makes the difference here.
  CHECK(message_of(check_arch_tag_format("-{variant}", {ref("127.0.0.1:5000/app")}, platforms))
            .find("makes '-' for 127.0.0.1:5000/app on linux/amd64") != std::string::npos);
  CHECK(message_of(check_arch_tag_format("{-variant}{arch}", {ref("127.0.0.1:5000/app")}, platforms))
            .find("makes '-v8arm64'") != std::string::npos);
  const std::string long_tag(120, 't');
  CHECK(message_of(check_arch_tag_format("{tag}-{os}-{arch}", {ref(("r.io/app:" + long_tag).c_str())}, platforms))
            .find("at most 128 characters") != std::string::npos);
}

TEST_CASE("app::check_containerfile")
{
  const auto dir = std::filesystem::temp_directory_path() / "pma-test-validate";
  std::filesystem::create_directories(dir);
  const auto file = dir / "Containerfile";
  std::ofstream(file) << "FROM scratch\n";
  CHECK(check_containerfile(file.string(), "-f"));
  CHECK(check_containerfile("-", "-f"));
  CHECK(message_of(check_containerfile((dir / "nope").string(), "-f")) ==
        "-f: stat " + (dir / "nope").string() + ": no such file or directory");
  CHECK(message_of(check_containerfile(dir.string(), "--platform-file")) ==
        "--platform-file: containerfile: \"" + dir.string() + "\" cannot be path to a directory");
  CHECK(message_of(check_containerfile("", "-f")) == "-f '': no file named");
  std::filesystem::remove_all(dir);
}

TEST_CASE("app::check_required and check_manifest_host")
{
  const std::vector<oci::Platform> requested = {platform("linux/amd64"), platform("linux/arm64")};
  CHECK(check_required({platform("linux/arm64/v8")}, requested));
  CHECK(message_of(check_required({platform("linux/s390x")}, requested)) ==
        "--require linux/s390x: not among the platforms --platform requests (linux/amd64, linux/arm64/v8)");
  std::vector<config::Host> hosts(2);
  hosts[0].name = "amd64";
  hosts[1].name = "arm64";
  CHECK(check_manifest_host("arm64", hosts));
  CHECK(message_of(check_manifest_host("amd46", hosts)) ==
        "--manifest-host amd46: not one of the selected hosts (amd64, arm64), did you mean 'amd64'?");
}

TEST_SUITE_END();
