#pragma once

// Private to src/job: what the tags serve — read before building (credential
// check, shrink protection), again right before the list goes to each, and
// after the push (verification).
#include <pma/hosts/session.hpp>
#include <pma/registry/reader.hpp>

#include <optional>
#include <string>
#include <vector>

#include "rules.hpp"
#include "run_state.hpp"

namespace pma::job::detail {

class Tags {
public:
  explicit Tags(const Run& run);

  // Reads every tag from here (on its own thread, while hosts are dialled).
  void read_before();
  // A wrong password should not cost a whole build: a registry that refused
  // the credentials when its tag was read fails the run before building.
  util::Result<void> check_credentials() const;
  // Shrink protection: refuses a run whose platforms a tag's list has more
  // of. `coordinator` reads what this machine could not (null: no check).
  util::Result<void> check_existing(const std::vector<oci::Platform>& platforms, hosts::Session* coordinator);
  // Right before the list goes to tag #i: whether another run published a
  // list there meanwhile that this one would shrink.
  util::Result<void> recheck(size_t i, const std::vector<oci::Platform>& platforms, hosts::Session& coordinator);
  // After the push: every tag serves `index_digest` with every image. An
  // error of class internal: nobody could read it back (a warning).
  util::Result<void> verify(const std::vector<const PlatformResult*>& images, hosts::Session* coordinator,
                            const std::string& index_digest);

  // What tag #i served when the run began, read from here; null when it did
  // not exist or this machine could not read it.
  const registry::Manifest* served_before(size_t i) const;
  // Whether every tag served, when the run began, one list that is exactly
  // the one of `images`: the same entries, each with the annotations the run
  // gives it (its fingerprint among them), and the list's annotations.
  bool served_list_of(const std::vector<const PlatformResult*>& images) const;

  const ExistingTags&
  existing() const
  {
    return m_existing;
  }

private:
  using Direct = util::Result<std::optional<registry::Manifest>>;
  // What `tag` serves, from `direct` (read from here: `digest` is set) or
  // through `coordinator`. nullopt: no such tag; class internal: nobody can tell.
  util::Result<std::optional<oci::Index>> read(const oci::ImageRef& tag, hosts::Session* coordinator,
                                               std::string* digest, const Direct& direct) const;

  const Run& m_run;
  std::vector<Direct> m_before; // per options.tags entry
  ExistingTags m_existing;
};

} // namespace pma::job::detail
