// The ignore rules against what podman's matcher does (observed by running
// containers/storage's fileutils matcher and buildah's ignore-file parsing).
#include <pma/context/ignore.hpp>

#include <doctest/doctest.h>

#include <chrono>
#include <string>
#include <vector>

using namespace pma::context;

TEST_SUITE_BEGIN("context");

namespace {

IgnoreRules
rules(const std::string& text)
{
  auto parsed = IgnoreRules::parse(text, ".containerignore");
  if (!parsed) {
    FAIL(parsed.error().message);
  }
  return *parsed;
}

// The error message of parsing `text`, "" if it parses.
std::string
error_of(const std::string& text)
{
  auto parsed = IgnoreRules::parse(text, "f");
  return parsed ? std::string() : parsed.error().message;
}

} // namespace

TEST_CASE("context::clean_path is Go's filepath.Clean")
{
  CHECK(clean_path("a//b/./c/../d/") == "a/b/d");
  CHECK(clean_path("./x") == "x");
  CHECK(clean_path("/x/") == "/x");
  CHECK(clean_path("..//a") == "../a");
  CHECK(clean_path("a/../..") == "..");
  CHECK(clean_path("/..") == "/");
  CHECK(clean_path("") == ".");
  CHECK(clean_path("!/") == "!");
}

TEST_CASE("context::to_valid_utf8 replaces each bad byte as Go's decoder reads it")
{
  const std::string fffd = "\xEF\xBF\xBD";
  CHECK(to_valid_utf8("caf\xC3\xA9") == "caf\xC3\xA9");
  CHECK(to_valid_utf8("a\xFF"
                      "b") == "a" + fffd + "b");
  CHECK(to_valid_utf8("\xE2\x82") == fffd + fffd);                       // truncated sequence
  CHECK(to_valid_utf8("\xC0\xAF") == fffd + fffd);                       // overlong '/'
  CHECK(to_valid_utf8("\xED\xA0\x80") == fffd + fffd + fffd);            // surrogate
  CHECK(to_valid_utf8("\xF4\x90\x80\x80") == fffd + fffd + fffd + fffd); // above U+10FFFF
  CHECK(to_valid_utf8("\xF0\x9F\x90\xB3") == "\xF0\x9F\x90\xB3");
  CHECK(to_valid_utf8(fffd) == fffd);
}

TEST_CASE("context::IgnoreRules segments, ** and directories")
{
  SUBCASE("* stays within a segment; a match covers everything below")
  {
    const auto r = rules("*.txt\nbuild\n");
    CHECK(r.excluded("a.txt"));
    CHECK_FALSE(r.excluded("sub/a.txt"));
    CHECK(r.excluded("build"));
    CHECK(r.excluded("build/out/x.o"));
    CHECK_FALSE(r.excluded("src/build"));
    CHECK_FALSE(r.excluded("buildx"));
  }
  SUBCASE("**/x matches x at any depth, also under ..")
  {
    const auto r = rules("**/x\n");
    CHECK(r.excluded("x"));
    CHECK(r.excluded("z/y/x"));
    CHECK(r.excluded("../x"));
    CHECK_FALSE(r.excluded("xx"));
  }
  SUBCASE("x/** matches below x but not x itself")
  {
    const auto r = rules("x/**\n");
    CHECK(r.excluded("x/a"));
    CHECK(r.excluded("x/a/b"));
    CHECK_FALSE(r.excluded("x"));
  }
  SUBCASE("x**y is x, then any directories, then y")
  {
    const auto r = rules("x**y\n");
    CHECK(r.excluded("xy"));
    CHECK(r.excluded("x/y"));
    CHECK(r.excluded("xa/b/y"));
    CHECK_FALSE(r.excluded("xzzy"));
  }
  SUBCASE("? is one character other than /")
  {
    const auto r = rules("file?.txt\n");
    CHECK(r.excluded("file1.txt"));
    CHECK(r.excluded("file\xC3\xA9.txt"));
    CHECK_FALSE(r.excluded("file10.txt"));
    CHECK_FALSE(r.excluded("file/.txt"));
  }
  SUBCASE("'.' of the regexp does not match a newline, [^/] does")
  {
    CHECK_FALSE(rules("dir\n").excluded("dir/a\nb"));
    CHECK_FALSE(rules("**\n").excluded("a\nb"));
    CHECK(rules("*\n").excluded("a\nb"));
  }
}

TEST_CASE("context::IgnoreRules the last matching rule wins")
{
  SUBCASE("dir, !dir/keep, dir/keep/x")
  {
    const auto r = rules("dir\n!dir/keep\ndir/keep/x\n");
    CHECK(r.excluded("dir"));
    CHECK(r.excluded("dir/a"));
    CHECK_FALSE(r.excluded("dir/keep"));
    CHECK_FALSE(r.excluded("dir/keep/y"));
    CHECK(r.excluded("dir/keep/x"));
    CHECK_FALSE(r.excluded("dirx"));
  }
  SUBCASE("* then !*.go re-includes top-level .go files only")
  {
    const auto r = rules("*\n!*.go\n");
    CHECK_FALSE(r.excluded("a.go"));
    CHECK(r.excluded("sub"));
    CHECK(r.excluded("sub/a.go"));
    CHECK(r.excluded("README"));
  }
  SUBCASE("a later rule overrides an earlier !")
  {
    const auto r = rules("*.md\n!README.md\nREADME.md\n");
    CHECK(r.excluded("CHANGES.md"));
    CHECK(r.excluded("README.md"));
  }
}

TEST_CASE("context::IgnoreRules characters keep their regexp meaning")
{
  SUBCASE("[!a] is a class of ! and a, not a negation")
  {
    const auto r = rules("[!a]c\n");
    CHECK(r.excluded("ac"));
    CHECK(r.excluded("!c"));
    CHECK_FALSE(r.excluded("bc"));
    const auto negated = rules("[^a]c\n");
    CHECK(negated.excluded("bc"));
    CHECK_FALSE(negated.excluded("ac"));
  }
  SUBCASE("+ and {m,n} repeat")
  {
    const auto r = rules("a+b\nc{2}\n");
    CHECK(r.excluded("aab"));
    CHECK(r.excluded("ab"));
    CHECK_FALSE(r.excluded("a+b"));
    CHECK(r.excluded("cc"));
    CHECK_FALSE(r.excluded("c{2}"));
    CHECK(rules("{a,b}\n").excluded("{a,b}")); // not a repetition: literal
  }
  SUBCASE("a|b is an unanchored alternation")
  {
    const auto r = rules("a|b\n");
    CHECK(r.excluded("abc")); // ^a
    CHECK(r.excluded("xb"));  // b(/.*)?$ anywhere
    CHECK(r.excluded("x/b"));
    CHECK(r.excluded("b/y"));
    CHECK_FALSE(r.excluded("bc"));
  }
  SUBCASE(". and $ are literal, \\ passes the next character through")
  {
    const auto r = rules("a.b\nc$\nlit\\*\nd\\d\n");
    CHECK(r.excluded("a.b"));
    CHECK_FALSE(r.excluded("axb"));
    CHECK(r.excluded("c$"));
    CHECK(r.excluded("lit*"));
    CHECK_FALSE(r.excluded("literal"));
    CHECK(r.excluded("d7")); // \d is the regexp digit class
  }
  SUBCASE("escaped metacharacters are literal")
  {
    const auto r = rules("a\\+b\\(c\\)\n");
    CHECK(r.excluded("a+b(c)"));
    CHECK_FALSE(r.excluded("aab(c)"));
  }
}

TEST_CASE("context::IgnoreRules lines: comments, spaces, CRLF, BOM, slashes")
{
  SUBCASE("only a '#' in the first byte makes a comment")
  {
    const auto r = rules("# comment\n  # x\n");
    CHECK_FALSE(r.excluded("# comment"));
    CHECK(r.excluded("# x")); // trimmed, then a pattern
  }
  SUBCASE("blank lines and Unicode white space")
  {
    const auto r = rules("\n   \n  spaced  \n\xE3\x80\x80wide\xC2\xA0\n\xE2\x80\x8Bzw\n");
    CHECK(r.excluded("spaced"));
    CHECK(r.excluded("wide"));
    CHECK_FALSE(r.excluded("zw")); // U+200B is not white space
    CHECK(r.excluded("\xE2\x80\x8Bzw"));
  }
  SUBCASE("CRLF files work")
  {
    const auto r = rules("foo\r\n\r\nbar\r\n");
    CHECK(r.excluded("foo"));
    CHECK(r.excluded("bar"));
    CHECK(r.patterns() == std::vector<std::string>{"foo\r", "\r", "bar\r"});
  }
  SUBCASE("a byte order mark is skipped at the start of a pattern")
  {
    CHECK(rules("\xEF\xBB\xBF"
                "foo\n")
              .excluded("foo"));
    const auto bang = rules("\xEF\xBB\xBF!foo\n"); // not an exclusion: the literal name "!foo"
    CHECK(bang.excluded("!foo"));
    CHECK_FALSE(bang.excluded("foo"));
    CHECK(rules("\xEF\xBB\xBF#c\n").excluded("#c")); // not a comment
  }
  SUBCASE("leading and trailing / are removed")
  {
    const auto r = rules("/foo\nbar/\n//baz//\n");
    CHECK(r.excluded("foo"));
    CHECK(r.excluded("bar"));
    CHECK(r.excluded("baz/x"));
    CHECK(r.patterns() == std::vector<std::string>{"foo", "bar", "baz"});
  }
  SUBCASE("paths are cleaned, ! included")
  {
    const auto r = rules("./tmp//x/../y\n");
    CHECK(r.excluded("tmp/y"));
    const auto bar = rules("!foo/../bar\n"); // cleans to "bar": a plain pattern
    CHECK(bar.excluded("bar"));
    const auto b = rules("*\na/../!b\n"); // cleans to "!b": an exclusion
    CHECK_FALSE(b.excluded("b"));
  }
  SUBCASE("!/foo re-includes foo; space after ! is kept")
  {
    const auto r = rules("*\n!/foo\n! bar\n");
    CHECK_FALSE(r.excluded("foo"));
    CHECK(r.excluded("bar"));
    CHECK_FALSE(r.excluded(" bar"));
  }
}

TEST_CASE("context::IgnoreRules invalid UTF-8 reads as U+FFFD")
{
  const auto r = rules("\xFFx\n");
  CHECK(r.excluded("\xFFx"));
  CHECK(r.excluded("\xFEx"));         // any invalid byte
  CHECK(r.excluded("\xEF\xBF\xBDx")); // and U+FFFD itself
  CHECK_FALSE(r.excluded("\xC3\xA9x"));
  CHECK(r.patterns() == std::vector<std::string>{"\xEF\xBF\xBDx"}); // ready for JSON
  CHECK(rules("a?b\n").excluded("a\xFF"
                                "b"));
  CHECK_FALSE(rules("a?b\n").excluded("a\xC3"
                                      "b\xFF"));
  CHECK(rules("caf\xC3\xA9\n").excluded("caf\xC3\xA9"));
  CHECK_FALSE(rules("caf\xC3\xA9\n").excluded("caf\xC3"));
}

TEST_CASE("context::IgnoreRules errors name the file and the line")
{
  CHECK(error_of("ok\n!\n") == "f:2: illegal exclusion pattern: \"!\"");
  CHECK(error_of(" ! \n") == "f:1: illegal exclusion pattern: \"!\"");
  CHECK(error_of("!/\n") == "f:1: illegal exclusion pattern: \"!\"");
  // Go's filepath.Match(pattern, ".") rejects these before any matching.
  for (const char* bad :
       {"[", "[]", "a\\", "a[", "*[", ".[", "x/[", "?[", "[^]", "[\\]", "[a\\", "[a-]", "[]a]", "[\xFF]"}) {
    CAPTURE(bad);
    CHECK(error_of(std::string("ok\n") + bad + "\n").starts_with("f:2: syntax error in pattern"));
  }
  // Go accepts these until their regexp fails to compile; refused here.
  for (const char* bad : {"a(", ")", "a*[", "x\\C", "a{1001}", "a**b(", "\\\xC3\xA9"}) {
    CAPTURE(bad);
    CHECK(error_of(std::string("ok\n\n") + bad + "\n").starts_with(std::string("f:3: invalid pattern \"") + bad));
  }
  auto refused = IgnoreRules::parse("a(\n", "f");
  REQUIRE_FALSE(refused);
  CHECK(refused.error().cls == pma::util::ErrorClass::usage);
  CHECK_FALSE(refused.error().hint.empty());
  // Fine for Go's Match, which stops checking at the first chunk that fails
  // on "." (here "a"), and for RE2 only when quoted.
  CHECK(error_of("a*[\n").starts_with("f:1: invalid pattern"));
  CHECK(error_of("\\Q\\C\\E\n").empty()); // quoted: not the any-byte escape
}

TEST_CASE("context::IgnoreRules::may_reinclude_below")
{
  CHECK_FALSE(rules("node_modules\n").may_reinclude_below("node_modules"));
  CHECK(rules("vendor\n!vendor/keep.txt\n").may_reinclude_below("vendor"));
  CHECK_FALSE(rules("vendor\n!other/keep.txt\n").may_reinclude_below("vendor"));
  CHECK(rules("a\n!**/keep\n").may_reinclude_below("a")); // a leading wildcard could match anywhere
  CHECK(rules("a\n!a\n").may_reinclude_below("a"));
  CHECK(rules("a/b\n!a/b/c/d\n").may_reinclude_below("a/b/c"));
  CHECK_FALSE(rules("a\n!a\\.b/c\n").may_reinclude_below("a"));
  CHECK(rules("a\n!a\\.b/c\n").may_reinclude_below("a.b"));
  CHECK_FALSE(rules("x\n!nm(x)/y\n").may_reinclude_below("x"));
  CHECK(rules("x\n!nm(x)/y\n").may_reinclude_below("nmx"));

  SUBCASE("a repetition can make the character before it optional")
  {
    const auto r = rules("y\n!xy{0}/keep\n");
    CHECK(r.reincludes("x/keep"));
    CHECK(r.may_reinclude_below("x"));
    const auto plus = rules("y\n!ya+/keep\n");
    CHECK(plus.reincludes("yaa/keep"));
    CHECK(plus.may_reinclude_below("yaa"));
  }
  SUBCASE("an unparenthesised | matches anywhere")
  {
    const auto r = rules("d\n!zzz|keep\n");
    CHECK(r.reincludes("d/keep"));
    CHECK(r.may_reinclude_below("d"));
  }
  SUBCASE("whatever it answers false for, no ! rule matches below")
  {
    const std::vector<std::string> dirs = {"a", "ab", "a.b", "nm", "vendor", "x/y", "\xFF"};
    const std::vector<std::string> below = {"keep", "a/keep", "b", "x",
                                            "\xFF"
                                            "d"};
    for (const char* text : {"!vendor/keep\n", "!a\\.b/c\n", "!nm(x)/y\n", "!a[bc]/x\n",
                             "!\xFF"
                             "d/x\n",
                             "!\xEF\xBB\xBF"
                             "ab/keep\n",
                             "!x/y\\+/b\n"}) {
      const auto r = rules(text);
      for (const auto& dir : dirs) {
        for (const auto& rest : below) {
          CAPTURE(text);
          CAPTURE(dir);
          CHECK((r.may_reinclude_below(dir) || !r.reincludes(dir + "/" + rest)));
        }
      }
    }
  }
}

TEST_CASE("context::IgnoreRules: a pathological pattern answers in linear time")
{
  // std::regex backtracked exponentially here (and ignored SIGTERM meanwhile);
  // podman's Go regexp, like RE2, is linear.
  const IgnoreRules r = rules("*a*a*a*a*a*a*a*a*a*a*a*a*a*a*c\n");
  const std::string name(4096, 'a');
  const auto start = std::chrono::steady_clock::now();
  CHECK_FALSE(r.excluded(name));
  CHECK(r.excluded(name + "c"));
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(1));
}

TEST_SUITE_END();
