// The context plan (ignore file choice, walk, extra files) and its tar, read
// back with libarchive.
#include <pma/context/context.hpp>
#include <pma/context/shared_tar.hpp>

#include <archive.h>
#include <archive_entry.h>
#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <clocale>
#include <filesystem>
#include <fstream>
#include <map>
#include <thread>

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
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  void
  write(const std::string& relative, const std::string& content) const
  {
    fs::create_directories((path / relative).parent_path());
    std::ofstream(path / relative, std::ios::binary) << content;
  }

  void
  set_mtime(const std::string& relative, const time_t seconds, const long nanoseconds) const
  {
    const std::array<timespec, 2> times = {timespec{seconds, nanoseconds}, timespec{seconds, nanoseconds}};
    REQUIRE(::utimensat(AT_FDCWD, (path / relative).c_str(), times.data(), AT_SYMLINK_NOFOLLOW) == 0);
  }
};

struct Member {
  std::string type;
  std::string content;
  std::string link;
  int64_t uid = -1;
  int64_t gid = -1;
  std::string uname;
  std::string gname;
  mode_t mode = 0;
  time_t mtime = 0;
  long mtime_nsec = -1;
  bool atime = false;
  bool ctime = false;
};

// Reads a tar back: path → member, and the order of paths.
std::map<std::string, Member>
read_tar(const std::string& bytes, std::vector<std::string>* order = nullptr)
{
  std::map<std::string, Member> members;
  archive* a = archive_read_new();
  archive_read_support_format_tar(a);
  archive_read_support_filter_all(a); // compressed tars too
  REQUIRE(archive_read_open_memory(a, bytes.data(), bytes.size()) == ARCHIVE_OK);
  archive_entry* entry = nullptr;
  int status = ARCHIVE_OK;
  while ((status = archive_read_next_header(a, &entry)) == ARCHIVE_OK) {
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
    m.gid = archive_entry_gid(entry);
    m.uname = archive_entry_uname(entry) ? archive_entry_uname(entry) : "";
    m.gname = archive_entry_gname(entry) ? archive_entry_gname(entry) : "";
    m.mode = archive_entry_perm(entry);
    m.mtime = archive_entry_mtime(entry);
    m.mtime_nsec = archive_entry_mtime_nsec(entry);
    m.atime = archive_entry_atime_is_set(entry) != 0;
    m.ctime = archive_entry_ctime_is_set(entry) != 0;
    std::string content(static_cast<size_t>(archive_entry_size(entry)), '\0');
    if (!content.empty()) {
      archive_read_data(a, content.data(), content.size());
    }
    m.content = content;
    std::string path = archive_entry_pathname(entry);
    if (m.type == "dir" && path.ends_with('/')) {
      path.pop_back(); // libarchive's writer adds it; the server cleans names
    }
    if (order) {
      order->push_back(path);
    }
    members[path] = m;
  }
  CHECK(status == ARCHIVE_EOF);
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
  if (!result) {
    FAIL(result.error().message);
  }
  if (stats) {
    *stats = *result;
  }
  return bytes;
}

ContextPlan
plan_of(const fs::path& root, const ContextOptions& options)
{
  auto plan = plan_context(root, options);
  if (!plan) {
    FAIL(plan.error().message);
  }
  return *plan;
}

std::string
error_of(const fs::path& root, const ContextOptions& options)
{
  auto plan = plan_context(root, options);
  REQUIRE_FALSE(plan);
  CHECK(plan.error().cls == pma::util::ErrorClass::usage);
  return plan.error().message;
}

ContextOptions
with_file(const fs::path& containerfile)
{
  ContextOptions options;
  options.containerfile = containerfile.string();
  return options;
}

std::vector<std::string>
paths_of(const ContextPlan& plan)
{
  std::vector<std::string> paths;
  for (const auto& entry : plan.entries) {
    paths.push_back(entry.path);
  }
  return paths;
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
  REQUIRE(::mkfifo((ctx.path / "fifo").c_str(), 0644) == 0);
  ::chmod((ctx.path / "app/main.c").c_str(), 0751);

  auto plan = plan_context(ctx.path, "");
  REQUIRE(plan);
  CHECK(plan->containerfile == "Containerfile");
  CHECK(plan->containerfile_text == "FROM scratch\nCOPY . /\n");
  CHECK(plan->ignore_file == ".containerignore");
  CHECK(plan->excludes ==
        std::vector<std::string>{"secret.txt", "node_modules", "vendor", "!vendor/keep.txt", "*.log"});
  CHECK(plan->extra.empty());

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
  CHECK(members.count("fifo") == 0);   // skipped, as podman does
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

TEST_CASE("context::plan_context which ignore file")
{
  TempDir ctx;
  ctx.write("build/app.Containerfile", "FROM scratch\n");
  ctx.write(".containerignore", "a\n");
  ctx.write(".dockerignore", "b\n");
  const ContextOptions app = with_file(ctx.path / "build/app.Containerfile");

  SUBCASE("the root's .containerignore, then .dockerignore")
  {
    CHECK(plan_of(ctx.path, app).ignore_file == ".containerignore");
    fs::remove(ctx.path / ".containerignore");
    CHECK(plan_of(ctx.path, app).ignore_file == ".dockerignore");
    fs::remove(ctx.path / ".dockerignore");
    const auto none = plan_of(ctx.path, app);
    CHECK(none.ignore_file.empty());
    CHECK(none.excludes == std::vector<std::string>{"/"}); // never empty
  }
  SUBCASE("the Containerfile's own beats the root's; its .dockerignore beats its .containerignore")
  {
    ctx.write("build/app.Containerfile.containerignore", "c\n");
    CHECK(plan_of(ctx.path, app).ignore_file == "build/app.Containerfile.containerignore");
    ctx.write("build/app.Containerfile.dockerignore", "d\n");
    const auto plan = plan_of(ctx.path, app);
    CHECK(plan.ignore_file == "build/app.Containerfile.dockerignore");
    CHECK(plan.excludes == std::vector<std::string>{"d"});
  }
  SUBCASE("--ignorefile replaces the search")
  {
    ctx.write("build/app.Containerfile.dockerignore", "d\n");
    TempDir elsewhere;
    elsewhere.write("rules", "e\n!e/keep\n");
    ContextOptions options = app;
    options.ignore_file = (elsewhere.path / "rules").string();
    const auto plan = plan_of(ctx.path, options);
    CHECK(plan.ignore_file == (elsewhere.path / "rules").string());
    CHECK(plan.excludes == std::vector<std::string>{"e", "!e/keep"});

    ctx.write("my.ignore", "*\n");
    options.ignore_file = (ctx.path / "my.ignore").string();
    const auto inside = plan_of(ctx.path, options);
    CHECK(inside.ignore_file == "my.ignore");
    // Everything is excluded but what is always kept, the ignore file included.
    CHECK(paths_of(inside) == std::vector<std::string>{".containerignore", ".dockerignore", "build/app.Containerfile",
                                                       "build/app.Containerfile.dockerignore", "my.ignore"});

    options.ignore_file = (ctx.path / "missing").string();
    CHECK(error_of(ctx.path, options).find("does not exist") != std::string::npos);
  }
  SUBCASE("a stdin Containerfile has none of its own")
  {
    ctx.write("-.containerignore", "x\n");
    ContextOptions options;
    options.containerfile = "-";
    options.containerfile_text = "FROM scratch\n";
    CHECK(plan_of(ctx.path, options).ignore_file == ".containerignore");
  }
  SUBCASE("an unreadable ignore file is an error")
  {
    fs::remove(ctx.path / ".containerignore");
    fs::create_directory(ctx.path / ".containerignore");
    CHECK(error_of(ctx.path, app).find("cannot read") != std::string::npos);
  }
}

TEST_CASE("context::plan_context keeps the Containerfile inside an excluded directory")
{
  TempDir ctx;
  ctx.write("build/app.Containerfile", "FROM scratch\n");
  ctx.write("build/other", "x");
  ctx.write("build/sub/deep", "x");
  ctx.write("src/main.c", "x");
  ctx.write(".containerignore", "build\n");
  const auto plan = plan_of(ctx.path, with_file(ctx.path / "build/app.Containerfile"));
  CHECK(plan.containerfile == "build/app.Containerfile");
  CHECK(plan.containerfile_text == "FROM scratch\n");
  CHECK(plan.ignore_file == ".containerignore");
  // No "build" entry: the server creates the parent, as with podman's tar.
  CHECK(paths_of(plan) == std::vector<std::string>{".containerignore", "build/app.Containerfile", "src", "src/main.c"});
  const auto members = read_tar(tar_of(plan));
  CHECK(members.at("build/app.Containerfile").content == "FROM scratch\n");
  CHECK(members.count("build") == 0);
  CHECK(members.count("build/other") == 0);
}

TEST_CASE("context::plan_context resolves -f like podman")
{
  TempDir ctx;
  ctx.write("real/Containerfile", "FROM scratch\n");
  TempDir links;
  fs::create_directory_symlink(ctx.path / "real", links.path / "dir");
  // The directory's symlinks are resolved: the file is in the context.
  const auto plan = plan_of(ctx.path, with_file(links.path / "dir/../dir/Containerfile"));
  CHECK(plan.containerfile == "real/Containerfile");
  CHECK(plan.extra.empty());

  const std::string missing = error_of(ctx.path, with_file(ctx.path / "nope"));
  CHECK(missing.find("does not exist") != std::string::npos);
}

TEST_CASE("context::plan_context Containerfile outside the context or from stdin")
{
  TempDir ctx;
  ctx.write("app.c", "x");
  ctx.write(".containerignore", "*\n!app.c\n");
  TempDir elsewhere;
  const std::string text = "FROM scratch\nCOPY . /\n";
  elsewhere.write("Containerfile", text);
  // The first 12 hex digits of the SHA-256 of `text`.
  const std::string name = ".podman-multiarch.Containerfile-083716298205";

  SUBCASE("outside: an extra file under a name of ours")
  {
    const auto plan = plan_of(ctx.path, with_file(elsewhere.path / "Containerfile"));
    REQUIRE(plan.extra.size() == 1);
    CHECK(plan.containerfile == name);
    CHECK(plan.extra[0].tar_name == plan.containerfile);
    CHECK(plan.extra[0].content == text);
    CHECK(plan.containerfile_text == text);
    CHECK(plan.ignore_file == ".containerignore");
    CHECK(plan.excludes == std::vector<std::string>{"*", "!app.c", plan.containerfile});
    const auto members = read_tar(tar_of(plan));
    CHECK(members.at(plan.containerfile).content == text); // never filtered, though `*` matches it
    CHECK(members.count("app.c") == 1);

    // The same content gives the same name, wherever it comes from.
    ContextOptions stdin_options;
    stdin_options.containerfile = "-";
    stdin_options.containerfile_text = text;
    const auto from_stdin = plan_of(ctx.path, stdin_options);
    CHECK(from_stdin.containerfile == plan.containerfile);
    CHECK(from_stdin.containerfile_text == text);
    CHECK(from_stdin.excludes == plan.excludes);
  }
  SUBCASE("outside: its own ignore file lies next to it")
  {
    elsewhere.write("Containerfile.dockerignore", "app.c\n");
    const auto plan = plan_of(ctx.path, with_file(elsewhere.path / "Containerfile"));
    CHECK(plan.ignore_file == (elsewhere.path / "Containerfile.dockerignore").string());
    CHECK(plan.excludes == std::vector<std::string>{"app.c", plan.containerfile});
    CHECK(paths_of(plan) == std::vector<std::string>{".containerignore"});
  }
  SUBCASE("the context may not use that name")
  {
    const auto plan = plan_of(ctx.path, with_file(elsewhere.path / "Containerfile"));
    ctx.write(plan.containerfile, "mine");
    ctx.write(".containerignore", "");
    const std::string error = error_of(ctx.path, with_file(elsewhere.path / "Containerfile"));
    CHECK(error.find("already has") != std::string::npos);
  }
}

TEST_CASE("context::plan_context extra files")
{
  TempDir ctx;
  ctx.write("Containerfile", "FROM scratch\n");
  TempDir elsewhere;
  elsewhere.write("secret-source", "s3cr3t");
  elsewhere.set_mtime("secret-source", 1700000000, 600'000'000);
  ContextOptions options;
  options.extra.push_back({"secret-a", {}, "from memory", 0640});
  options.extra.push_back({"secret-b", elsewhere.path / "secret-source", {}, 0600});

  const auto plan = plan_of(ctx.path, options);
  CHECK(plan.excludes == std::vector<std::string>{"secret-a", "secret-b"});
  CHECK(plan.file_bytes == std::string("FROM scratch\n").size() + 11 + 6);
  std::vector<std::string> order;
  TarStats stats;
  const auto members = read_tar(tar_of(plan, &stats), &order);
  CHECK(order == std::vector<std::string>{"Containerfile", "secret-a", "secret-b"}); // extra files last
  const Member& a = members.at("secret-a");
  CHECK(a.type == "file");
  CHECK(a.content == "from memory");
  CHECK(a.mode == 0640);
  CHECK(a.uid == 0);
  CHECK(a.mtime == 0);
  const Member& b = members.at("secret-b");
  CHECK(b.content == "s3cr3t");
  CHECK(b.mode == 0600);
  CHECK(b.mtime == 1700000001);
  CHECK(stats.bytes_read == std::string("FROM scratch\n").size() + 6);

  SUBCASE("names must be plain, distinct, excludable and free in the context")
  {
    ContextOptions bad;
    for (const char* name : {"", "a/b", ".", "..", "#x", "!x", " x", "x(", "a+b"}) {
      CAPTURE(name);
      bad.extra = {{name, {}, "x", 0600}};
      CHECK(error_of(ctx.path, bad).find(name) != std::string::npos);
    }
    bad.extra = {{"x", {}, "1", 0600}, {"x", {}, "2", 0600}};
    CHECK(error_of(ctx.path, bad).find("both named") != std::string::npos);
    ctx.write("taken/file", "x");
    bad.extra = {{"taken", {}, "1", 0600}};
    CHECK(error_of(ctx.path, bad).find("already has") != std::string::npos);
    bad.extra = {{"src", elsewhere.path / "missing", {}, 0600}};
    CHECK(error_of(ctx.path, bad).find("missing") != std::string::npos);
  }
}

TEST_CASE("context::write_tar names of any bytes, times, modes and links")
{
  TempDir ctx;
  ctx.write("Containerfile", "FROM scratch\n");
  const std::string cafe = "caf\xC3\xA9.txt";
  const std::string repertoire = "r\xC3\xA9pertoire";
  const std::string binary = "bad\xFFname";
  const std::string long_name = std::string(150, 'n');
  ctx.write(cafe, "cafe");
  ctx.write(repertoire + "/x", "x");
  ctx.write(binary, "binary");
  ctx.write(long_name, "long");
  ctx.write("up", "u");
  ctx.write("down", "d");
  ctx.write("half", "h");
  ctx.write("setuid", "s");
  ::chmod((ctx.path / "setuid").c_str(), 04755);
  fs::create_symlink("t\xFF"
                     "arget/" +
                         cafe,
                     ctx.path / "link\xC3\xA9");
  fs::create_hard_link(ctx.path / cafe, ctx.path / "hard");
  ctx.set_mtime("up", 1700000000, 600'000'000);
  ctx.set_mtime("down", 1700000000, 400'000'000);
  ctx.set_mtime("half", 1700000000, 500'000'000);
  ctx.set_mtime("link\xC3\xA9", 1700000000, 999'999'999);
  ctx.set_mtime(repertoire, 1700000000, 500'000'000);

  const auto plan = plan_of(ctx.path, ContextOptions{});
  const std::string bytes = tar_of(plan);
  const auto members = read_tar(bytes);

  // The same bytes whatever the caller's locale.
  if (locale_t utf8 = ::newlocale(LC_ALL_MASK, "C.UTF-8", nullptr); utf8 != nullptr) {
    const locale_t previous = ::uselocale(utf8);
    CHECK(tar_of(plan) == bytes);
    ::uselocale(previous);
    ::freelocale(utf8);
  }

  CHECK(members.at(cafe).content == "cafe");
  CHECK(members.at(repertoire).type == "dir");
  CHECK(members.at(repertoire).mtime == 1700000001);
  CHECK(members.at(repertoire + "/x").content == "x");
  CHECK(members.at(binary).content == "binary");
  CHECK(members.at(long_name).content == "long");
  CHECK(members.at("up").mtime == 1700000001);
  CHECK(members.at("down").mtime == 1700000000);
  CHECK(members.at("half").mtime == 1700000001);
  CHECK(members.at("setuid").mode == 04755);
  const Member& link = members.at("link\xC3\xA9");
  CHECK(link.type == "symlink");
  CHECK(link.link == "t\xFF"
                     "arget/" +
                         cafe);
  CHECK(link.mtime == 1700000001);
  // The first name of the inode in walk order carries the data.
  CHECK(members.at(cafe).content == "cafe");
  CHECK(members.at("hard").type == "hardlink");
  CHECK(members.at("hard").link == cafe);
  for (const auto& item : members) {
    const std::string& name = item.first; // not a structured binding: clang 14 cannot capture one
    const Member& member = item.second;
    CAPTURE(name);
    CHECK(member.uid == 0);
    CHECK(member.gid == 0);
    CHECK(member.uname.empty());
    CHECK(member.gname.empty());
    CHECK(member.mtime_nsec == 0);
    CHECK_FALSE(member.atime);
    CHECK_FALSE(member.ctime);
  }
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

TEST_CASE("context::tar_body: the tar as a request body, its error the request's")
{
  TempDir ctx;
  ctx.write("Containerfile", "FROM scratch\n");
  ctx.write("a", "content");
  auto plan = plan_context(ctx.path, "");
  REQUIRE(plan);
  const auto body = tar_body(*plan);
  std::string bytes;
  REQUIRE(body([&bytes](const char* data, size_t size) {
    bytes.append(data, size);
    return true;
  }));
  CHECK(read_tar(bytes).at("a").content == "content");
  const auto refused = body([](const char*, size_t) { return false; });
  REQUIRE_FALSE(refused);
  CHECK(refused.error().cls == pma::util::ErrorClass::connect);

  fs::remove(ctx.path / "a");
  const auto vanished = body([](const char*, size_t) { return true; });
  REQUIRE_FALSE(vanished);
  CHECK(vanished.error().cls == pma::util::ErrorClass::usage);
  CHECK(vanished.error().message.find("vanished while sending the context") != std::string::npos);
}

TEST_CASE("context::write_tar streams in bounded pieces")
{
  TempDir ctx;
  ctx.write("Containerfile", "FROM scratch\n");
  ctx.write("big", std::string(size_t{3} * 1024 * 1024, 'x'));
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

TEST_CASE("context::plan_context errors")
{
  TempDir ctx;
  auto none = plan_context(ctx.path, "");
  REQUIRE_FALSE(none);
  CHECK(none.error().message.find("no Containerfile or Dockerfile") != std::string::npos);

  CHECK_FALSE(plan_context(ctx.path / "missing", ""));

  ctx.write("Containerfile", "FROM scratch\n");
  ctx.write(".containerignore", "ok\n[bad\n");
  auto bad = plan_context(ctx.path, "");
  REQUIRE_FALSE(bad);
  CHECK(bad.error().message == (ctx.path / ".containerignore").string() + ":2: syntax error in pattern \"[bad\"");
  ctx.write(".containerignore", "a(\n");
  auto refused = plan_context(ctx.path, "");
  REQUIRE_FALSE(refused);
  CHECK(refused.error().message.find(".containerignore:1: invalid pattern \"a(\"") != std::string::npos);
}

TEST_SUITE_END();

TEST_CASE("context::parse_compression")
{
  CHECK(parse_compression("none")->kind == Compression::Kind::none);
  CHECK(*parse_compression("zstd") == Compression{.kind = Compression::Kind::zstd});
  CHECK(*parse_compression("zstd:19") == Compression{.kind = Compression::Kind::zstd, .level = 19});
  CHECK(*parse_compression("gzip:1") == Compression{.kind = Compression::Kind::gzip, .level = 1});
  CHECK(parse_compression("gzip:9")->to_string() == "gzip:9");
  CHECK(parse_compression("zstd")->to_string() == "zstd");
  for (const char* bad : {"xz", "zstd:0", "zstd:20", "gzip:10", "zstd:", "zstd:3x", "none:1", "auto", ""}) {
    CAPTURE(bad);
    const auto parsed = parse_compression(bad);
    REQUIRE_FALSE(parsed);
    CHECK(parsed.error().cls == pma::util::ErrorClass::usage);
  }
}

namespace {

std::string
body_bytes(const pma::transport::BodyStream& body)
{
  std::string bytes;
  const auto sent = body([&bytes](const char* data, size_t size) {
    bytes.append(data, size);
    return true;
  });
  if (!sent) {
    FAIL(sent.error().message);
  }
  return bytes;
}

} // namespace

TEST_CASE("context::write_tar compressed: the same members, fewer bytes")
{
  TempDir ctx;
  ctx.write("Containerfile", "FROM scratch\n");
  std::string text;
  for (int i = 0; i < 20000; ++i) {
    text += "int line" + std::to_string(i % 97) + " = 0;\n";
  }
  ctx.write("src/a.c", text);
  ctx.write("bin", std::string(4096, '\x7f'));
  const auto plan = plan_of(ctx.path, {});
  TarStats plain_stats;
  const std::string plain = tar_of(plan, &plain_stats);
  for (const char* name : {"zstd", "zstd:19", "gzip", "gzip:1"}) {
    CAPTURE(name);
    std::string bytes;
    const auto stats = write_tar(
        plan,
        [&](const char* data, size_t size) {
          bytes.append(data, size);
          return true;
        },
        *parse_compression(name));
    REQUIRE(stats);
    CHECK(stats->bytes_written == bytes.size());
    CHECK(stats->bytes_read == plain_stats.bytes_read);
    CHECK(bytes.size() * 10 < plain.size());
    const bool zstd = std::string_view(name).starts_with("zstd");
    CHECK(bytes.substr(0, 4) == (zstd ? std::string("\x28\xb5\x2f\xfd") : std::string("\x1f\x8b\x08", 3) + bytes[3]));
    const auto members = read_tar(bytes);
    const auto expected = read_tar(plain);
    REQUIRE(members.size() == expected.size());
    for (const auto& item : expected) {
      const std::string& path = item.first; // a structured binding cannot be CAPTUREd (clang)
      CAPTURE(path);
      CHECK(members.at(path).content == item.second.content);
      CHECK(members.at(path).mode == item.second.mode);
      CHECK(members.at(path).mtime == item.second.mtime);
    }
  }
}

TEST_CASE("context::SharedTar: written once, read whole by every body, at once or later")
{
  TempDir ctx;
  ctx.write("Containerfile", "FROM scratch\n");
  for (int i = 0; i < 40; ++i) {
    ctx.write("f" + std::to_string(i), std::string(size_t{64} * 1024, static_cast<char>('a' + i % 26)));
  }
  const auto plan = plan_of(ctx.path, {});
  const Compression zstd{.kind = Compression::Kind::zstd};
  std::string expected;
  REQUIRE(write_tar(
      plan,
      [&](const char* data, size_t size) {
        expected.append(data, size);
        return true;
      },
      zstd));

  SharedTars tars;
  const auto body = tars.body(plan, zstd);
  std::vector<std::string> received(4);
  std::vector<std::thread> readers;
  for (auto& bytes : received) {
    readers.emplace_back([&body, &bytes] { bytes = body_bytes(body); });
  }
  for (auto& reader : readers) {
    reader.join();
  }
  for (const auto& bytes : received) {
    CHECK(bytes == expected); // the same bytes, the stream deterministic
  }
  CHECK(body_bytes(tars.body(plan, zstd)) == expected); // a retry, after the writer finished

  // A body whose host stops reading: its own error, the others unaffected.
  const auto refused = body([](const char*, size_t) { return false; });
  REQUIRE_FALSE(refused);
  CHECK(refused.error().cls == pma::util::ErrorClass::connect);
  CHECK(body_bytes(body) == expected);

  // Uncompressed: the plain per-request tar.
  CHECK(body_bytes(tars.body(plan, {})) == tar_of(plan));
}

TEST_CASE("context::SharedTar: the writer's error is every body's")
{
  TempDir ctx;
  ctx.write("Containerfile", "FROM scratch\n");
  ctx.write("a", "content");
  const auto plan = plan_of(ctx.path, {});
  fs::remove(ctx.path / "a");
  SharedTar tar(plan, {.kind = Compression::Kind::gzip});
  for (int i = 0; i < 2; ++i) {
    const auto sent = tar.body()([](const char*, size_t) { return true; });
    REQUIRE_FALSE(sent);
    CHECK(sent.error().cls == pma::util::ErrorClass::usage);
    CHECK(sent.error().message.find("vanished while sending the context") != std::string::npos);
  }
  CHECK_FALSE(tar.stats());
}
