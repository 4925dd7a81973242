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
    // Like the real client: a streamed success body goes to on_data, in
    // small pieces, and is not collected.
    if (answer && request.on_data && answer->status < 400) {
      for (size_t i = 0; i < answer->body.size(); i += 7) {
        if (!request.on_data(std::string_view(answer->body).substr(i, 7))) {
          return util::fail(util::ErrorClass::interrupted, "FakeHttp: cancelled by on_data");
        }
      }
      answer->body.clear();
    }
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

// A request body of nothing (transport::BodyStream), for calls that need one.
inline util::Result<void>
empty_body(const transport::BodyWriter& /*write*/)
{
  return {};
}

inline transport::HttpResponse
ping_response(const std::string& version)
{
  return transport::HttpResponse{200, {{"Libpod-API-Version", version}, {"API-Version", "1.41"}}, "OK"};
}

} // namespace pma::test
