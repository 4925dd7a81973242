#include <pma/util/deadline.hpp>

namespace pma::util::deadline {

namespace {

thread_local std::optional<Clock::time_point> t_deadline;

} // namespace

std::optional<Clock::time_point>
current()
{
  return t_deadline;
}

std::optional<Clock::time_point>
earliest(const std::optional<Clock::time_point> other)
{
  if (!other) {
    return t_deadline;
  }
  if (!t_deadline) {
    return other;
  }
  return std::min(*other, *t_deadline);
}

Scope::Scope(const Clock::time_point until)
  : m_previous(t_deadline)
{
  t_deadline = earliest(until);
}

Scope::~Scope()
{
  t_deadline = m_previous;
}

} // namespace pma::util::deadline
