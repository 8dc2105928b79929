#pragma once

// The auth gate: a small decision taken before forwarding (like Envoy's auth filters), without
// an event loop. It reads the LTPA cookies, asks the Validator (the worker's cache first) and
// answers Forward (with or without an identity), Redirect (page navigations to the login page)
// or Reject (401). Immutable; decide() is const and safe from every worker thread.

#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "config/gateway_config.h"
#include "ssoauth/validator.h"

namespace stgw::policy {

// What the gate needs to know about a request; views into the request, valid during decide().
struct RequestFacts {
  std::string_view method;
  std::string_view target; // path + query as received, e.g. "/stwebclient/index.jsp?x=1"
  std::string_view host;   // Host header (or :authority), port included if sent
  bool secure = false;     // the client connection is TLS
  std::span<const std::string_view> cookie_headers; // every Cookie header value
  std::string_view accept;                          // Accept header, empty if absent
  bool x_requested_with = false;                    // an X-Requested-With header was sent
  std::string_view sec_fetch_mode;                  // Sec-Fetch-Mode, empty if absent
};

struct AuthDecision {
  enum class Kind {
    Forward,  // pass to the backend, with |identity| when a valid token was found
    Redirect, // 302 to |location|
    Reject,   // 401 with unauthenticated_body(reason)
  };
  Kind kind = Kind::Forward;
  std::optional<ssoauth::Identity> identity;
  std::string location; // Redirect only
  // "missing" | "expired" | "invalid" when no valid token was found (also on an optional
  // route's Forward, for logging); empty otherwise.
  std::string_view reason;
};

class AuthGate {
public:
  // |validator| must not be null (build it with build_validator()).
  AuthGate(std::shared_ptr<const ssoauth::Validator> validator, const config::SsoConfig& sso);

  // auth = none: Forward without looking at cookies. optional: Forward, with the identity when
  // valid. required: Forward with the identity, or else Redirect when the route asks for it
  // and the request is a page navigation (GET/HEAD, Accept text/html, no X-Requested-With,
  // Sec-Fetch-Mode absent or "navigate", not Sametime's long poll), otherwise Reject.
  // |cache| belongs to the calling worker thread.
  AuthDecision decide(config::AuthMode mode, config::UnauthenticatedAction action,
                      const RequestFacts& request, ssoauth::ValidationCache& cache,
                      ssoauth::TimePoint now) const;

  const ssoauth::Validator& validator() const { return *validator_; }

  // True for requests a browser makes to show a page, which a redirect cannot break.
  static bool is_page_navigation(const RequestFacts& request);

private:
  // login_url with the original absolute URL added as its redirect parameter; empty when the
  // request's host or target cannot be trusted to build one (then the gate rejects instead).
  std::string login_location(const RequestFacts& request) const;

  std::shared_ptr<const ssoauth::Validator> validator_;
  std::string login_url_;
};

// {"error":"unauthenticated","reason":"<reason>"}: the body of a Reject.
std::string unauthenticated_body(std::string_view reason);

} // namespace stgw::policy
