#include <pma/context/ignore.hpp>

#include <doctest/doctest.h>

using namespace pma::context;

TEST_SUITE_BEGIN("context");

namespace {

IgnoreRules
rules(const char* text)
{
  auto parsed = IgnoreRules::parse(text, ".containerignore");
  REQUIRE(parsed);
  return *parsed;
}

} // namespace

TEST_CASE("context::clean_path")
{
  CHECK(clean_path("a//b/./c/../d/") == "a/b/d");
  CHECK(clean_path("./x") == "x");
  CHECK(clean_path("/x/") == "/x");
  CHECK(clean_path("..//a") == "../a");
  CHECK(clean_path("") == ".");
}

TEST_CASE("context::IgnoreRules Docker pattern semantics")
{
  SUBCASE("* stays within a segment, and a directory match covers its content")
  {
    const auto r = rules("*.log\nbuild\n");
    CHECK(r.excluded("a.log"));
    CHECK_FALSE(r.excluded("dir/a.log")); // * does not cross '/'
    CHECK(r.excluded("build"));
    CHECK(r.excluded("build/out/x.o"));
    CHECK_FALSE(r.excluded("src/build"));
    CHECK_FALSE(r.excluded("buildx"));
  }
  SUBCASE("** spans any number of directories, including none")
  {
    const auto r = rules("**/*.tmp\ndocs/**/draft\n");
    CHECK(r.excluded("x.tmp"));
    CHECK(r.excluded("a/b/c/x.tmp"));
    CHECK(r.excluded("docs/draft"));
    CHECK(r.excluded("docs/a/b/draft/notes.md"));
    CHECK_FALSE(r.excluded("docs/drafts"));
  }
  SUBCASE("trailing ** matches everything below")
  {
    const auto r = rules("cache/**\n");
    CHECK(r.excluded("cache/a"));
    CHECK(r.excluded("cache/a/b"));
  }
  SUBCASE("? is one character other than /")
  {
    const auto r = rules("file?.txt\n");
    CHECK(r.excluded("file1.txt"));
    CHECK_FALSE(r.excluded("file10.txt"));
    CHECK_FALSE(r.excluded("file/.txt"));
  }
  SUBCASE("character classes, negated both ways, and escapes")
  {
    const auto r = rules("[ab].c\n[!x]y\n[^p]q\nlit\\*\n");
    CHECK(r.excluded("a.c"));
    CHECK_FALSE(r.excluded("c.c"));
    CHECK(r.excluded("zy"));
    CHECK_FALSE(r.excluded("xy"));
    CHECK(r.excluded("zq"));
    CHECK(r.excluded("lit*"));
    CHECK_FALSE(r.excluded("literal"));
  }
  SUBCASE("regex metacharacters are literal")
  {
    const auto r = rules("a+b(c).d\n");
    CHECK(r.excluded("a+b(c).d"));
    CHECK_FALSE(r.excluded("aab(c)xd"));
  }
  SUBCASE("leading / and ./ are dropped; paths are cleaned")
  {
    const auto r = rules("/secret\n./tmp//x/../y\n");
    CHECK(r.excluded("secret"));
    CHECK(r.excluded("tmp/y"));
  }
  SUBCASE("! re-includes; the last matching rule wins")
  {
    const auto r = rules("*.md\n!README.md\nREADME.md\n!docs\n");
    CHECK(r.excluded("CHANGES.md"));
    CHECK(r.excluded("README.md"));
    const auto r2 = rules("vendor\n!vendor/keep.txt\n");
    CHECK(r2.excluded("vendor/x.go"));
    CHECK_FALSE(r2.excluded("vendor/keep.txt"));
    CHECK(r2.excluded("vendor"));
  }
  SUBCASE("comments and blank lines")
  {
    const auto r = rules("# a comment\n\n   \n  spaced  \n");
    CHECK(r.excluded("spaced"));
    CHECK_FALSE(r.excluded("# a comment"));
  }
}

TEST_CASE("context::IgnoreRules::may_reinclude_below")
{
  CHECK_FALSE(rules("node_modules\n").may_reinclude_below("node_modules"));
  CHECK(rules("vendor\n!vendor/keep.txt\n").may_reinclude_below("vendor"));
  CHECK_FALSE(rules("vendor\n!other/keep.txt\n").may_reinclude_below("vendor"));
  CHECK(rules("a\n!**/keep\n").may_reinclude_below("a")); // a leading wildcard could match anywhere
  CHECK(rules("a\n!a\n").may_reinclude_below("a"));
  CHECK(rules("a/b\n!a/b/c/d\n").may_reinclude_below("a/b/c"));
}

TEST_CASE("context::IgnoreRules errors name the file and line")
{
  auto bad = IgnoreRules::parse("ok\n[unclosed\n", "/ctx/.dockerignore");
  REQUIRE_FALSE(bad);
  CHECK(bad.error().message.starts_with("/ctx/.dockerignore:2: unterminated '['"));
  auto bang = IgnoreRules::parse("!\n", "f");
  REQUIRE_FALSE(bang);
  CHECK(bang.error().message == "f:1: '!' without a pattern");
}

TEST_SUITE_END();
