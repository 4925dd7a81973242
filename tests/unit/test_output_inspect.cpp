#include <pma/output/inspect_view.hpp>

#include <doctest/doctest.h>

using namespace pma;
using namespace pma::output;

TEST_SUITE_BEGIN("output");

TEST_CASE("output::human_size prints like podman")
{
  CHECK(human_size(0) == "0B");
  CHECK(human_size(570) == "570B");
  CHECK(human_size(1148) == "1.15kB");
  CHECK(human_size(1200) == "1.2kB");
  CHECK(human_size(999'700) == "1MB");
  CHECK(human_size(12'345'678) == "12.3MB");
}

TEST_CASE("output::inspect_table and inspect_json")
{
  app::Inspection view{.reference = "quay.io/acme/app:1.4",
                       .source = "registry quay.io",
                       .digest = "sha256:aaa",
                       .media_type = "application/vnd.oci.image.index.v1+json",
                       .size = 900,
                       .is_list = true,
                       .annotations = app::Annotations{{"org.example.build", "42"}}};
  view.rows.push_back(
      {{"linux", "amd64", ""}, "sha256:bbb", "application/vnd.oci.image.manifest.v1+json", 1200, app::Annotations{}});
  view.rows.push_back({{"linux", "arm64", "v8"},
                       "sha256:ccc",
                       "application/vnd.oci.image.manifest.v1+json",
                       570,
                       app::Annotations{{"note", "two\nlines"}, {"a", "b"}}});
  CHECK(inspect_table(view) == "quay.io/acme/app:1.4  sha256:aaa  application/vnd.oci.image.index.v1+json\n"
                               "annotations: org.example.build=42\n"
                               "PLATFORM        DIGEST      SIZE   ANNOTATIONS\n"
                               "linux/amd64     sha256:bbb  1.2kB\n"
                               "linux/arm64/v8  sha256:ccc  570B   a=b,note=two\\x0alines\n");

  app::Inspection unknown{.reference = "r:1", .source = "host amd64 (podman 4.3.1)"};
  unknown.rows.push_back({{"linux", "s390x", ""}, "sha256:ddd", "m", 348, std::nullopt});
  CHECK(inspect_table(unknown) == "r:1  n/a  n/a\n"
                                  "PLATFORM     DIGEST      SIZE  ANNOTATIONS\n"
                                  "linux/s390x  sha256:ddd  348B  n/a\n");
  const std::string expected = R"json({
  "reference": "r:1",
  "source": "host amd64 (podman 4.3.1)",
  "digest": null,
  "mediaType": null,
  "size": null,
  "isList": null,
  "annotations": null,
  "manifests": [
    {
      "platform": "linux/s390x",
      "os": "linux",
      "architecture": "s390x",
      "variant": "",
      "digest": "sha256:ddd",
      "mediaType": "m",
      "size": 348,
      "annotations": null
    }
  ]
}
)json";
  CHECK(inspect_json(unknown) == expected);
}

TEST_SUITE_END();
