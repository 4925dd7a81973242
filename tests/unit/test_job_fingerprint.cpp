// Incremental builds' fingerprints: the same inputs from two checkouts give
// the same digest; each single input that changes the image gives another.
#include <pma/context/containerfile.hpp>
#include <pma/context/context.hpp>
#include <pma/job/fingerprint.hpp>
#include <pma/job/run.hpp>

#include <doctest/doctest.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>

using namespace pma;
namespace fs = std::filesystem;

namespace {

class TempDir {
public:
  TempDir()
  {
    std::string dir = (fs::temp_directory_path() / "pma-fingerprint-XXXXXX").string();
    REQUIRE(::mkdtemp(dir.data()) != nullptr);
    m_path = dir;
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir() { fs::remove_all(m_path); }
  const fs::path&
  path() const
  {
    return m_path;
  }

private:
  fs::path m_path;
};

void
write(const fs::path& file, const std::string& text)
{
  fs::create_directories(file.parent_path());
  std::ofstream(file) << text;
}

void
set_mtime(const fs::path& path, const time_t seconds)
{
  const struct timeval times[2] = {{seconds, 0}, {seconds, 0}};
  REQUIRE(::lutimes(path.c_str(), times) == 0);
}

// A small source tree; `reversed` writes its files in the other order (the
// order of names on disk), `mtime` stamps every entry.
void
checkout(const fs::path& root, const bool reversed, const time_t mtime)
{
  std::vector<std::pair<std::string, std::string>> files = {
      {"Containerfile", "FROM 127.0.0.1:5000/lab/base:1\nCOPY . /src\n"},
      {"src/main.c", "int main(void) { return 0; }\n"},
      {"src/util.h", "#pragma once\n"},
      {"README", "hello\n"},
      {"build/out.o", "object\n"},
      {".containerignore", "build\n"},
  };
  if (reversed) {
    std::reverse(files.begin(), files.end());
  }
  for (const auto& [name, text] : files) {
    write(root / name, text);
    ::chmod((root / name).c_str(), 0644);
  }
  ::chmod((root / "src").c_str(), 0755);
  ::chmod((root / "build").c_str(), 0755);
  fs::create_symlink("src/main.c", root / "main.c");
  for (const auto& entry : fs::recursive_directory_iterator(root)) {
    set_mtime(entry.path(), mtime);
  }
  set_mtime(root, mtime);
}

std::string
context_digest(const fs::path& root)
{
  const auto plan = context::plan_context(root, "");
  REQUIRE(plan);
  const auto digest = context::fingerprint(*plan);
  REQUIRE(digest);
  return *digest;
}

oci::Platform
platform(const std::string& text)
{
  return *oci::Platform::parse(text);
}

job::Fingerprint
sealed(job::Fingerprint parts, const std::string& on = "linux/amd64")
{
  job::seal(parts, platform(on));
  return parts;
}

job::Fingerprint
sample()
{
  job::Fingerprint parts;
  parts.context = "sha256:" + std::string(64, 'c');
  parts.containerfile = "sha256:" + std::string(64, 'f');
  parts.options = "sha256:" + std::string(64, 'o');
  parts.bases = {{"127.0.0.1:5000/lab/base:1", "sha256:" + std::string(64, 'b')}};
  return sealed(parts);
}

} // namespace

TEST_SUITE_BEGIN("job");

TEST_CASE("two checkouts of the same sources give the same context fingerprint")
{
  const TempDir one;
  const TempDir two;
  checkout(one.path(), false, 1'600'000'000);
  checkout(two.path(), true, 1'700'000'000); // other mtimes, other order on disk, another absolute path
  CHECK(context_digest(one.path()) == context_digest(two.path()));
  CHECK(context_digest(one.path()).starts_with("sha256:"));

  SUBCASE("what the ignore rules leave out does not count")
  {
    write(two.path() / "build" / "other.o", "more\n");
    CHECK(context_digest(one.path()) == context_digest(two.path()));
  }
  SUBCASE("a secret's content does not count")
  {
    auto plan_one = *context::plan_context(one.path(), {"", "", "", {{"s1", "", "one", 0600, true}}});
    auto plan_two = *context::plan_context(two.path(), {"", "", "", {{"s1", "", "two", 0600, true}}});
    CHECK(*context::fingerprint(plan_one) == *context::fingerprint(plan_two));
  }
}

TEST_CASE("each change to what the context sends changes its fingerprint")
{
  const TempDir dir;
  checkout(dir.path(), false, 1'600'000'000);
  const std::string before = context_digest(dir.path());
  SUBCASE("content")
  {
    write(dir.path() / "src" / "util.h", "#pragma once \n");
  }
  SUBCASE("a mode bit")
  {
    ::chmod((dir.path() / "README").c_str(), 0755);
  }
  SUBCASE("a directory's mode")
  {
    ::chmod((dir.path() / "src").c_str(), 0775);
  }
  SUBCASE("a symlink's target")
  {
    fs::remove(dir.path() / "main.c");
    fs::create_symlink("src/util.h", dir.path() / "main.c");
  }
  SUBCASE("a new empty file")
  {
    write(dir.path() / "src" / "empty", "");
  }
  SUBCASE("a renamed file")
  {
    fs::rename(dir.path() / "README", dir.path() / "README.md");
  }
  SUBCASE("a hard link instead of a copy")
  {
    fs::remove(dir.path() / "src" / "util.h");
    write(dir.path() / "util.h", "#pragma once\n");
    ::chmod((dir.path() / "util.h").c_str(), 0644);
    fs::create_hard_link(dir.path() / "util.h", dir.path() / "src" / "util.h");
    const std::string with_link = context_digest(dir.path());
    fs::remove(dir.path() / "src" / "util.h");
    fs::copy_file(dir.path() / "util.h", dir.path() / "src" / "util.h");
    ::chmod((dir.path() / "src" / "util.h").c_str(), 0644);
    CHECK(context_digest(dir.path()) != with_link);
  }
  CHECK(context_digest(dir.path()) != before);
}

TEST_CASE("the options that change the image change the options text; the others do not")
{
  job::BuildOptions options;
  options.build_args = {{"VERSION", "1"}};
  options.labels = {"a=1"};
  const auto amd64 = platform("linux/amd64");
  const std::string before = job::options_text(options, amd64);

  job::BuildOptions same = options;
  same.tags = {*oci::ImageRef::parse("127.0.0.1:5000/acme/app:2")};
  same.no_cache = true;
  same.jobs = 4;
  same.pull = "always";
  same.descriptor_annotations = {"k=v"};
  same.retry = {9, std::chrono::milliseconds(1)};
  same.settings.push_back({libpod::BuildOption::cache_from, {"127.0.0.1:5000/cache"}});
  same.settings.push_back({libpod::BuildOption::memory, {"1073741824"}});
  same.secrets.push_back({"token", "/tmp/a", ""});
  job::BuildOptions other_secret_value = same;
  other_secret_value.secrets.front().file = "/tmp/b";
  CHECK(job::options_text(other_secret_value, amd64) == job::options_text(same, amd64));
  same.secrets.clear();
  CHECK(job::options_text(same, amd64) == before);

  job::BuildOptions changed = options;
  SUBCASE("a build argument")
  {
    changed.build_args["VERSION"] = "2";
  }
  SUBCASE("a label")
  {
    changed.labels.push_back("b=2");
  }
  SUBCASE("labels in another order")
  {
    changed.labels = {"b=2", "a=1"};
    options.labels = {"a=1", "b=2"};
    CHECK(job::options_text(options, amd64) != job::options_text(changed, amd64));
    return;
  }
  SUBCASE("an image annotation")
  {
    changed.annotations.push_back("org.opencontainers.image.revision=abc");
  }
  SUBCASE("the target")
  {
    changed.target = "runtime";
  }
  SUBCASE("a per-platform argument, for that platform only")
  {
    changed.overrides[platform("linux/arm64")].build_args["VERSION"] = "2";
    CHECK(job::options_text(changed, amd64) == before);
    CHECK(job::options_text(changed, platform("linux/arm64")) != job::options_text(options, platform("linux/arm64")));
    return;
  }
  SUBCASE("the format")
  {
    changed.format = "docker";
  }
  SUBCASE("a forwarded option")
  {
    changed.settings.push_back({libpod::BuildOption::env, {"A=1"}});
  }
  SUBCASE("a secret id")
  {
    changed.secrets.push_back({"token", "/tmp/a", ""});
  }
  SUBCASE("a value with a newline cannot pass for two lines")
  {
    options.labels = {"a=1\nlabel b=2"};
    changed.labels = {"a=1", "b=2"};
    CHECK(job::options_text(options, amd64) != job::options_text(changed, amd64));
    return;
  }
  CHECK(job::options_text(changed, amd64) != before);
}

TEST_CASE("the fingerprint's digest covers the platform and every part")
{
  const job::Fingerprint base = sample();
  CHECK(base.digest.starts_with("sha256:"));
  CHECK(sealed(base).digest == base.digest);
  CHECK(sealed(base, "linux/arm64/v8").digest != base.digest);
  auto changed = base;
  SUBCASE("a base digest")
  {
    changed.bases.begin()->second = "sha256:" + std::string(64, 'd');
  }
  SUBCASE("another base")
  {
    changed.bases["context:assets"] = "sha256:" + std::string(64, 'a');
  }
  SUBCASE("the context")
  {
    changed.context = "sha256:" + std::string(64, 'e');
  }
  SUBCASE("the Containerfile")
  {
    changed.containerfile = "sha256:" + std::string(64, 'e');
  }
  SUBCASE("the options")
  {
    changed.options = "sha256:" + std::string(64, 'e');
  }
  CHECK(sealed(changed).digest != base.digest);
}

TEST_CASE("a fingerprint travels in list entry annotations and says what changed")
{
  const job::Fingerprint before = sample();
  auto annotations = job::fingerprint_annotations(before);
  annotations["org.example.other"] = "x";
  const auto read = job::fingerprint_from(annotations);
  REQUIRE(read);
  CHECK(*read == before);
  CHECK_FALSE(job::fingerprint_from({{"org.example.other", "x"}}));

  CHECK(job::change_between(nullptr, before) == "built");
  CHECK(job::change_between(&before, before) == "unchanged");
  auto now = before;
  now.bases.begin()->second = "sha256:" + std::string(64, 'd');
  now.context = "sha256:" + std::string(64, 'e');
  now = sealed(now);
  CHECK(job::change_between(&before, now) == "rebuilt: base 127.0.0.1:5000/lab/base:1 sha256:bbbbbbbbbbbb → "
                                             "sha256:dddddddddddd; context changed");
  now.unpinned = {"alpine: a short name"};
  CHECK(job::change_between(&before, now) == "built: not pinned (alpine: a short name)");
}

TEST_CASE("base references keep the text as written beside the substituted one")
{
  const auto bases = context::base_references("ARG BASE=127.0.0.1:5000/lab/base:1\n"
                                              "FROM --platform=$BUILDPLATFORM $BASE AS build\n"
                                              "FROM 127.0.0.1:5000/lab/run:2\n"
                                              "COPY --from=build /a /a\n"
                                              "COPY --from=127.0.0.1:5000/lab/tools:3 /t /t\n",
                                              {}, {{"BUILDPLATFORM", "linux/arm64"}});
  REQUIRE(bases.size() == 3);
  CHECK(bases[0] == context::BaseReference{"127.0.0.1:5000/lab/base:1", "$BASE", "linux/arm64"});
  CHECK(bases[1] == context::BaseReference{"127.0.0.1:5000/lab/run:2", "127.0.0.1:5000/lab/run:2", ""});
  CHECK(bases[2] == context::BaseReference{"127.0.0.1:5000/lab/tools:3", "127.0.0.1:5000/lab/tools:3", ""});
  const auto given = context::base_references("ARG BASE=a:1\nFROM $BASE\n", {{"BASE", "b:2"}});
  REQUIRE(given.size() == 1);
  CHECK(given[0].text == "b:2");
}

TEST_SUITE_END();
