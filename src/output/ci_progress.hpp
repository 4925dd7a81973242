#pragma once

// Private to src/output: plain progress as CI services fold it
// (progress_printer.cpp chooses it for --progress plain inside one).
#include <pma/job/progress.hpp>

#include <cstdio>
#include <memory>
#include <string_view>

namespace pma::output {

enum class CiService { none, github, gitlab };

// GitHub Actions (GITHUB_ACTIONS=true) or GitLab CI (GITLAB_CI=true), from the environment.
CiService ci_service();

// Each job's lines (a platform of a target) kept until it ends, then printed
// as one collapsible group titled with how it ended — its lines otherwise
// interleave with every other platform's — and a failure as the service's
// error annotation. Run-level messages print at once; warnings as annotations.
std::unique_ptr<job::Progress> make_ci_progress(CiService service, std::FILE* stream, bool color);

// A GitHub workflow command's data, escaped (%, CR, LF); `property` also
// escapes ':' and ','.
std::string github_escape(std::string_view text, bool property);

} // namespace pma::output
