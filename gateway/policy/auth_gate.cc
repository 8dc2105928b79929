#include "gateway/policy/auth_gate.h"

#include <algorithm>
#include <cctype>

#include "ssoauth/codec.h"

namespace stgw::policy {
namespace {

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

bool icontains(std::string_view haystack, std::string_view needle) {
  if (needle.size() > haystack.size())
    return false;
  for (std::size_t i = 0; i + needle.size() <= haystack.size(); ++i)
    if (iequals(haystack.substr(i, needle.size()), needle))
      return true;
  return false;
}

std::string_view reason_for(ssoauth::AuthFailure failure) {
  switch (failure) {
    case ssoauth::AuthFailure::Missing:
      return "missing";
    case ssoauth::AuthFailure::Expired:
      return "expired";
    default:
      return "invalid";
  }
}

// A Host value we are willing to put into a URL: a name, IPv4 or bracketed IPv6, and a port.
bool plausible_host(std::string_view host) {
  if (host.empty() || host.size() > 255)
    return false;
  return std::all_of(host.begin(), host.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == ':' ||
           c == '[' || c == ']' || c == '_';
  });
}

bool plausible_target(std::string_view target) {
  return !target.empty() && target.front() == '/' &&
         std::none_of(target.begin(), target.end(),
                      [](char c) { return static_cast<unsigned char>(c) <= 0x20 || c == 0x7F; });
}

} // namespace

AuthGate::AuthGate(std::shared_ptr<const ssoauth::Validator> validator,
                   const config::SsoConfig& sso)
    : validator_(std::move(validator)), login_url_(sso.login_url) {}

bool AuthGate::is_page_navigation(const RequestFacts& request) {
  bool read_only = request.method == "GET" || request.method == "HEAD";
  bool navigate_mode =
      request.sec_fetch_mode.empty() || iequals(request.sec_fetch_mode, "navigate");
  // Sametime's event channel (TRAFFIC.md §1.4) is an XHR long poll: a redirect would turn it
  // into an HTML page the client cannot parse, so it is never redirected whatever it sends.
  bool long_poll = icontains(request.target, "/RTCServlet");
  return read_only && navigate_mode && !request.x_requested_with && !long_poll &&
         icontains(request.accept, "text/html");
}

std::string AuthGate::login_location(const RequestFacts& request) const {
  if (login_url_.empty() || !plausible_host(request.host) || !plausible_target(request.target))
    return {};
  std::string original = request.secure ? "https://" : "http://";
  original += request.host;
  original += request.target;
  std::string location = login_url_;
  // A login URL ending in '=' (Domino's "/names.nsf?Login&RedirectTo=") names its own
  // parameter; otherwise "redirect" is added.
  if (location.back() != '=') {
    location += location.find('?') == std::string::npos ? '?' : '&';
    location += "redirect=";
  }
  location += ssoauth::url_encode_component(original);
  return location;
}

AuthDecision AuthGate::decide(config::AuthMode mode, config::UnauthenticatedAction action,
                              const RequestFacts& request, ssoauth::ValidationCache& cache,
                              ssoauth::TimePoint now) const {
  AuthDecision decision;
  if (mode == config::AuthMode::None)
    return decision;
  auto identity = validator_->verify_cookie_headers(request.cookie_headers, now, &cache);
  if (identity) {
    decision.identity = std::move(*identity);
    return decision;
  }
  decision.reason = reason_for(identity.error());
  if (mode == config::AuthMode::Optional)
    return decision;
  if (action == config::UnauthenticatedAction::Redirect && is_page_navigation(request)) {
    decision.location = login_location(request);
    if (!decision.location.empty()) {
      decision.kind = AuthDecision::Kind::Redirect;
      return decision;
    }
  }
  decision.kind = AuthDecision::Kind::Reject;
  return decision;
}

std::string unauthenticated_body(std::string_view reason) {
  std::string body = R"({"error":"unauthenticated","reason":")";
  body += reason; // one of three fixed words, no escaping needed
  body += "\"}";
  return body;
}

} // namespace stgw::policy
