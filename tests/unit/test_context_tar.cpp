#include <pma/context/context.hpp>

#include <archive.h>
#include <archive_entry.h>
#include <doctest/doctest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>

using namespace pma::context;
namespace fs = std::filesystem;

TEST_SUITE_BEGIN("context");

namespace {

struct TempDir {
  fs::path path;
  TempDir()
  {
    std::string templ = (fs::temp_directory_path() / "pma-ctx-XXXXXX").string();
    path = ::mkdtemp(templ.data());
  }
  ~TempDir() { fs::remove_all(path); }

  void
  write(const std::string& relative, const std::string& content) const
  {
    fs::create_directories((path / relative).parent_path());
    std::ofstream(path / relative) << content;
  }
};

struct Member {
  std::string type;
  std::string content;
  std::string link;
  int64_t uid = -1;
  mode_t mode = 0;
};

// Reads a tar back: path → member, and the order of paths.
std::map<std::string, Member>
read_tar(const std::string& bytes, std::vector<std::string>* order = nullptr)
{
  std::map<std::string, Member> members;
  archive* a = archive_read_new();
  archive_read_support_format_tar(a);
  REQUIRE(archive_read_open_memory(a, bytes.data(), bytes.size()) == ARCHIVE_OK);
  archive_entry* entry = nullptr;
  while (archive_read_next_header(a, &entry) == ARCHIVE_OK) {
    Member m;
    const mode_t type = archive_entry_filetype(entry);
    m.type = type == AE_IFDIR ? "dir" : type == AE_IFLNK ? "symlink" : "file";
    if (archive_entry_hardlink(entry)) {
      m.type = "hardlink";
      m.link = archive_entry_hardlink(entry);
    }
    if (archive_entry_symlink(entry)) {
      m.link = archive_entry_symlink(entry);
    }
    m.uid = archive_entry_uid(entry);
    m.mode = archive_entry_perm(entry);
    std::string content(static_cast<size_t>(archive_entry_size(entry)), '\0');
    if (!content.empty()) {
      archive_read_data(a, content.data(), content.size());
    }
    m.content = content;
    const std::string path = archive_entry_pathname(entry);
    if (order) {
      order->push_back(path);
    }
    members[path] = m;
  }
  archive_read_free(a);
  return members;
}

std::string
tar_of(const ContextPlan& plan, TarStats* stats = nullptr)
{
  std::string bytes;
  auto result = write_tar(plan, [&](const char* data, size_t size) {
    bytes.append(data, size);
    return true;
  });
  REQUIRE(result);
  if (stats) {
    *stats = *result;
  }
  return bytes;
}

} // namespace

TEST_CASE("context::plan_context and write_tar")
{
  TempDir ctx;
  ctx.write("Containerfile", "FROM scratch\nCOPY . /\n");
  const std::string ignore = "secret.txt\nnode_modules\nvendor\n!vendor/keep.txt\n*.log\n";
  ctx.write(".containerignore", ignore);
  ctx.write("app/main.c", "int main(){}\n");
  ctx.write("secret.txt", "password");
  ctx.write("node_modules/big/x.js", "x");
  ctx.write("vendor/keep.txt", "kept");
  ctx.write("vendor/drop.txt", "dropped");
  ctx.write("debug.log", "log");
  fs::create_symlink("app/main.c", ctx.path / "link-to-main");
  fs::create_symlink("/etc/passwd", ctx.path / "outside");
  ::chmod((ctx.path / "app/main.c").c_str(), 0751);

  auto plan = plan_context(ctx.path, "");
  REQUIRE(plan);
  CHECK(plan->containerfile == "Containerfile");
  CHECK(plan->ignore_file == ".containerignore");

  std::vector<std::string> order;
  TarStats stats;
  const auto members = read_tar(tar_of(*plan, &stats), &order);

  CHECK(members.count("Containerfile") == 1);
  CHECK(members.count(".containerignore") == 1); // ignore files always travel
  CHECK(members.at("app/main.c").content == "int main(){}\n");
  CHECK(members.at("app/main.c").mode == 0751);
  CHECK(members.at("app/main.c").uid == 0);
  CHECK(members.count("secret.txt") == 0);
  CHECK(members.count("debug.log") == 0);
  CHECK(members.count("node_modules") == 0);
  CHECK(members.count("node_modules/big/x.js") == 0);
  CHECK(members.at("vendor/keep.txt").content == "kept");
  CHECK(members.count("vendor/drop.txt") == 0);
  CHECK(members.count("vendor") == 0); // excluded itself, walked for the exception
  CHECK(members.at("link-to-main").type == "symlink");
  CHECK(members.at("link-to-main").link == "app/main.c");
  CHECK(members.at("outside").type == "symlink"); // never followed: /etc/passwd is not read
  CHECK(members.at("outside").content.empty());
  CHECK(std::is_sorted(order.begin(), order.end()));
  // Read: Containerfile, .containerignore, app/main.c, vendor/keep.txt — nothing else.
  CHECK(stats.bytes_read == std::string("FROM scratch\nCOPY . /\n").size() + ignore.size() + 13 + 4);
  CHECK(stats.entries == order.size());
}

TEST_CASE("context::plan_context does not descend into excluded directories")
{
  TempDir ctx;
  ctx.write("Dockerfile", "FROM scratch\n");
  ctx.write(".dockerignore", "locked\n");
  ctx.write("locked/x", "x");
  ctx.write("locked/y/z", "z");
  auto plan = plan_context(ctx.path, "");
  REQUIRE(plan);
  CHECK(plan->containerfile == "Dockerfile");
  CHECK(plan->ignore_file == ".dockerignore");
  CHECK(plan->excluded == 1); // the directory alone: nothing below it was visited
  CHECK(plan->entries.size() == 2);
}

TEST_CASE("context::plan_context Containerfile-specific ignore file and -f")
{
  TempDir ctx;
  ctx.write("build/app.Containerfile", "FROM scratch\n");
  ctx.write("build/app.Containerfile.containerignore", "data\n");
  ctx.write(".containerignore", "src\n");
  ctx.write("data/a", "a");
  ctx.write("src/b", "b");
  auto plan = plan_context(ctx.path, (ctx.path / "build/app.Containerfile").string());
  REQUIRE(plan);
  CHECK(plan->containerfile == "build/app.Containerfile");
  CHECK(plan->ignore_file == "build/app.Containerfile.containerignore");
  const auto members = read_tar(tar_of(*plan));
  CHECK(members.count("data/a") == 0);
  CHECK(members.count("src/b") == 1);
  CHECK(members.count("build/app.Containerfile") == 1);
}

TEST_CASE("context::plan_context errors")
{
  TempDir ctx;
  auto none = plan_context(ctx.path, "");
  REQUIRE_FALSE(none);
  CHECK(none.error().message.find("no Containerfile or Dockerfile") != std::string::npos);

  TempDir other;
  other.write("Containerfile", "FROM scratch\n");
  auto outside = plan_context(ctx.path, (other.path / "Containerfile").string());
  REQUIRE_FALSE(outside);
  CHECK(outside.error().message.find("is outside the build context") != std::string::npos);

  CHECK_FALSE(plan_context(ctx.path / "missing", ""));

  ctx.write("Containerfile", "FROM scratch\n");
  ctx.write(".containerignore", "[bad\n");
  auto bad = plan_context(ctx.path, "");
  REQUIRE_FALSE(bad);
  CHECK(bad.error().message.find(".containerignore:1: unterminated '['") != std::string::npos);
}

TEST_CASE("context::write_tar hard links and sink abort")
{
  TempDir ctx;
  ctx.write("Containerfile", "FROM scratch\n");
  ctx.write("a", "same inode");
  fs::create_hard_link(ctx.path / "a", ctx.path / "b");
  auto plan = plan_context(ctx.path, "");
  REQUIRE(plan);
  const auto members = read_tar(tar_of(*plan));
  CHECK(members.at("a").content == "same inode");
  CHECK(members.at("b").type == "hardlink");
  CHECK(members.at("b").link == "a");

  auto aborted = write_tar(*plan, [](const char*, size_t) { return false; });
  REQUIRE_FALSE(aborted);
  CHECK(aborted.error().cls == pma::util::ErrorClass::connect);
}

TEST_CASE("context::write_tar streams in bounded pieces")
{
  TempDir ctx;
  ctx.write("Containerfile", "FROM scratch\n");
  ctx.write("big", std::string(3 * 1024 * 1024, 'x'));
  auto plan = plan_context(ctx.path, "");
  REQUIRE(plan);
  size_t largest = 0;
  size_t total = 0;
  auto stats = write_tar(*plan, [&](const char*, size_t size) {
    largest = std::max(largest, size);
    total += size;
    return true;
  });
  REQUIRE(stats);
  CHECK(largest <= 64 * 1024);
  CHECK(total == stats->bytes_written);
  CHECK(total > 3 * 1024 * 1024);
}

TEST_SUITE_END();
