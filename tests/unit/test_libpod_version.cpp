#include <pma/libpod/version.hpp>

#include <doctest/doctest.h>

using namespace pma::libpod;

TEST_SUITE_BEGIN("api");

TEST_CASE("libpod::Version::parse")
{
  CHECK(*Version::parse("5.4.2") == Version{5, 4, 2});
  CHECK(*Version::parse("4.3.1-dev") == Version{4, 3, 1});
  CHECK(*Version::parse("v4.9.0-rc1") == Version{4, 9, 0});
  CHECK(*Version::parse("5.4") == Version{5, 4, 0});
  CHECK_FALSE(Version::parse("5"));
  CHECK_FALSE(Version::parse(""));
  CHECK_FALSE(Version::parse("x.y.z"));
  CHECK(Version{4, 10, 0} > Version{4, 9, 5});
  CHECK(Version::parse("4.3.1")->to_string() == "4.3.1");
}

TEST_CASE("libpod::Capabilities boundaries")
{
  const Capabilities v40({4, 0, 0});
  CHECK_FALSE(v40.manifest_push_route);
  CHECK_FALSE(v40.manifest_modify_auth);

  const Capabilities v43({4, 3, 1});
  CHECK(v43.manifest_push_route);
  CHECK(v43.manifest_amend);
  CHECK_FALSE(v43.instance_annotation_map);
  CHECK_FALSE(v43.host_variant);
  CHECK_FALSE(v43.push_digest);

  CHECK_FALSE(Capabilities({4, 8, 9}).push_digest);
  CHECK(Capabilities({4, 8, 0}).host_variant);
  CHECK(Capabilities({4, 9, 0}).push_digest);

  const Capabilities v54({5, 4, 2});
  CHECK(v54.index_annotations_create);
  CHECK(v54.index_annotate);
  CHECK(v54.comma_platforms);
  CHECK_FALSE(v54.emulated_architectures);
  CHECK_FALSE(Capabilities({5, 3, 0}).index_annotate);
  CHECK(Capabilities({5, 6, 0}).emulated_architectures);
}

TEST_SUITE_END();
