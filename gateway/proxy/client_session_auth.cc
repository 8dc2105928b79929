// The auth step of ClientSession: the route's policy through the auth gate, then the per-user
// budgets that only a verified identity makes possible.

#include <array>

#include "gateway/policy/auth_gate.h"
#include "gateway/proxy/client_session.h"
#include "ssoauth/validation_cache.h"

namespace stgw::proxy {
namespace {

// Browsers send one Cookie header; HTTP/2 gateways and some proxies split it. Eight is more
// than any real client sends; the rest are ignored.
constexpr std::size_t kMaxCookieHeaders = 8;

std::size_t collect_cookies(const http::HeaderList& headers,
                            std::array<std::string_view, kMaxCookieHeaders>& out) {
  std::size_t count = 0;
  for (auto field : headers)
    if (count < out.size() && http::iequals(field.name, "cookie"))
      out[count++] = field.value;
  return count;
}

std::string_view header_or_empty(const http::HeaderList& headers, std::string_view name) {
  return headers.get(name).value_or(std::string_view());
}

} // namespace

bool ClientSession::authorize(Exchange& exchange) {
  const auto& route = *exchange.route;
  const policy::AuthGate* gate = exchange.generation->shared().auth_gate.get();
  if (route.auth == config::AuthMode::None)
    return admit_parked(exchange);
  if (gate == nullptr || worker_.validation_cache() == nullptr) {
    // Validation guarantees [sso] for auth routes; an optional route without it forwards.
    if (route.auth == config::AuthMode::Optional)
      return admit_parked(exchange);
    send_local_reply({401, "unauthenticated", "single sign-on is not configured", "missing"},
                     false);
    return false;
  }
  std::array<std::string_view, kMaxCookieHeaders> cookies;
  const auto& headers = exchange.request.headers;
  policy::RequestFacts facts;
  facts.method = exchange.request.method;
  facts.target = exchange.request.target;
  facts.host = header_or_empty(headers, "host");
  facts.secure = static_cast<bool>(listener_->tls);
  facts.cookie_headers =
      std::span<const std::string_view>(cookies.data(), collect_cookies(headers, cookies));
  facts.accept = header_or_empty(headers, "accept");
  facts.x_requested_with = headers.contains("x-requested-with");
  facts.sec_fetch_mode = header_or_empty(headers, "sec-fetch-mode");

  ssoauth::ValidationCache& cache = *worker_.validation_cache();
  std::uint64_t hits_before = cache.hits();
  auto decision = gate->decide(route.auth, route.on_unauthenticated, facts, cache,
                               std::chrono::system_clock::now());
  bool cache_hit = cache.hits() != hits_before;
  if (decision.identity) {
    exchange.user = decision.identity->user;
    exchange.token_format = ssoauth::to_string(decision.identity->format);
    exchange.auth_result = "valid";
  } else {
    exchange.auth_result = decision.reason;
  }
  worker_.observer().on_ltpa_validation(exchange.token_format, exchange.auth_result, cache_hit);

  switch (decision.kind) {
    case policy::AuthDecision::Kind::Forward:
      return admit_user(exchange) && admit_parked(exchange);
    case policy::AuthDecision::Kind::Redirect: {
      LocalReply reply{302, "login_required", "sign in first"};
      reply.location = std::move(decision.location);
      send_local_reply(reply, false);
      return false;
    }
    case policy::AuthDecision::Kind::Reject:
      send_local_reply({401, "unauthenticated", "a valid LTPA single sign-on cookie is required",
                        decision.reason},
                       false);
      return false;
  }
  return false;
}

// NAT puts thousands of users behind one address, so Sametime's real limits are per user:
// the connections a user holds and the requests a user has waiting on the backend.
bool ClientSession::admit_user(Exchange& exchange) {
  policy::ConnectionBudget* budget = worker_.budget();
  if (budget == nullptr || exchange.user.empty() ||
      (user_slot_ && user_slot_->user() == exchange.user))
    return true;
  user_slot_.reset();
  auto slot = budget->admit_user(exchange.user);
  if (!slot) {
    reject_over_budget(slot.error());
    return false;
  }
  user_slot_ = std::move(*slot); // null when no per-user cap is set: nothing to hold
  return true;
}

bool ClientSession::admit_parked(Exchange& exchange) {
  policy::ConnectionBudget* budget = worker_.budget();
  if (budget == nullptr || exchange.user.empty())
    return true;
  auto slot = budget->admit_parked(exchange.user);
  if (!slot) {
    reject_over_budget(slot.error());
    return false;
  }
  exchange.parked_slot = std::move(*slot);
  return true;
}

void ClientSession::reject_over_budget(policy::Rejection rejection) {
  worker_.observer().on_rejected(policy::to_string(rejection));
  bool user_cap = rejection == policy::Rejection::UserCap;
  LocalReply reply{429, policy::to_string(rejection),
                   user_cap ? "too many connections for this user"
                            : "too many requests of this user are waiting on the server"};
  reply.retry_after = user_cap ? 5 : 1;
  // Over the connection cap, this connection itself is the one too many: close it.
  send_local_reply(reply, user_cap);
}

} // namespace stgw::proxy
