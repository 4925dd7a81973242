#include <pma/util/error.hpp>
#include <pma/util/redact.hpp>

#include <doctest/doctest.h>

#include <string>
#include <thread>
#include <vector>

using namespace pma::util;

TEST_SUITE_BEGIN("util");

TEST_CASE("util::redact")
{
  redact::clear();
  SUBCASE("nothing registered: the text unchanged")
  {
    CHECK(redact::apply("password s3cret here") == "password s3cret here");
  }
  SUBCASE("every occurrence of every secret")
  {
    redact::add("s3cret");
    redact::add("cG1hOnMzY3JldA==");
    CHECK(redact::apply("401: Basic cG1hOnMzY3JldA== (s3cret, s3cret)") == "401: Basic ***** (*****, *****)");
  }
  SUBCASE("the longest secret first, so that a shorter one does not split it")
  {
    redact::add("pass");
    redact::add("user:pass");
    CHECK(redact::apply("user:pass and pass") == "***** and *****");
  }
  SUBCASE("secrets shorter than k_min_length are not registered")
  {
    redact::add("");
    redact::add("a");
    redact::add("abc");
    CHECK(redact::apply("a cab abc") == "a cab abc");
    redact::add("abcd");
    CHECK(redact::apply("user:abcd") == "user:*****");
  }
  SUBCASE("a short secret only where it stands alone; a long one anywhere")
  {
    redact::add("wrong");
    redact::add("longsecret");
    CHECK(redact::apply("/tmp/wrong.json: password \"wrong\", pma:wrong, wrongly") ==
          "/tmp/wrong.json: password \"*****\", pma:*****, wrongly");
    CHECK(redact::apply("xlongsecretx /longsecret.json") == "x*****x /*****.json");
  }
  SUBCASE("a secret that contains the mask does not loop")
  {
    redact::add("********");
    CHECK(redact::apply("a********b") == "a*****b");
  }
  SUBCASE("error messages are redacted when described")
  {
    redact::add("tok3n-value");
    Error error(ErrorClass::auth, "registry said: bad token tok3n-value", "not tok3n-value");
    error.host = "amd64";
    CHECK(error.describe() == "host amd64: registry said: bad token ***** — not *****");
  }
  SUBCASE("concurrent registration and use")
  {
    std::vector<std::thread> threads;
    for (int i = 0; i < 8; ++i) {
      threads.emplace_back([i] {
        for (int j = 0; j < 200; ++j) {
          redact::add("secret-" + std::to_string(i) + "-" + std::to_string(j));
          (void)redact::apply("secret-0-0 and more");
        }
      });
    }
    for (auto& thread : threads) {
      thread.join();
    }
    CHECK(redact::apply("secret-3-150!") == "*****!");
  }
  redact::clear();
}

TEST_SUITE_END();
