#pragma once

#include <pma/transport/http.hpp>

#include <deque>
#include <memory>
#include <vector>

namespace pma::test {

// Answers requests from a queue of canned results and records what was sent.
class FakeHttp : public transport::HttpClient {
public:
  struct State {
    std::deque<util::Result<transport::HttpResponse>> answers;
    std::vector<transport::HttpRequest> sent;
  };

  explicit FakeHttp(std::shared_ptr<State> state)
    : m_state(std::move(state))
  {
  }

  util::Result<transport::HttpResponse>
  send(const transport::HttpRequest& request) override
  {
    m_state->sent.push_back(request);
    if (m_state->answers.empty()) {
      return util::fail(util::ErrorClass::internal, "FakeHttp: no answer queued");
    }
    auto answer = std::move(m_state->answers.front());
    m_state->answers.pop_front();
    return answer;
  }

  std::chrono::milliseconds
  connect_timeout() const override
  {
    return std::chrono::milliseconds(1234);
  }

private:
  std::shared_ptr<State> m_state;
};

inline transport::HttpResponse
ping_response(const std::string& version)
{
  return transport::HttpResponse{200, {{"Libpod-API-Version", version}, {"API-Version", "1.41"}}, "OK"};
}

} // namespace pma::test
