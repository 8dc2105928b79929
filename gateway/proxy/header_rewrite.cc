#include "gateway/proxy/header_rewrite.h"

#include <algorithm>
#include <array>
#include <string>

namespace stgw::proxy {
namespace {

bool starts_with_nocase(std::string_view text, std::string_view prefix) {
  return text.size() >= prefix.size() && http::iequals(text.substr(0, prefix.size()), prefix);
}

// Headers a client could use to impersonate the gateway or another user.
bool is_spoofable(std::string_view name, std::string_view identity_header) {
  return name.starts_with('$') || starts_with_nocase(name, "iv-") ||
         starts_with_nocase(name, "x-forwarded-") || http::iequals(name, "forwarded") ||
         (!identity_header.empty() && http::iequals(name, identity_header));
}

// Each token of a Connection header names another hop-by-hop header (RFC 9110 §7.6.1).
template <class Head> void remove_connection_listed(Head& head) {
  std::string listed;
  for (auto field : head.headers)
    if (http::iequals(field.name, "connection"))
      (listed += field.value) += ',';
  std::size_t start = 0;
  while (start < listed.size()) {
    std::size_t end = listed.find(',', start);
    std::string_view token = std::string_view(listed).substr(start, end - start);
    while (!token.empty() && (token.front() == ' ' || token.front() == '\t'))
      token.remove_prefix(1);
    while (!token.empty() && (token.back() == ' ' || token.back() == '\t'))
      token.remove_suffix(1);
    if (!token.empty() && !http::iequals(token, "close") && !http::iequals(token, "keep-alive"))
      head.headers.remove(token);
    start = end + 1;
  }
}

std::string_view origin_form(std::string_view target) {
  if (target.starts_with('/'))
    return target;
  std::size_t scheme_end = target.find("://");
  if (scheme_end == std::string_view::npos)
    return target;
  std::size_t path_start = target.find('/', scheme_end + 3);
  return path_start == std::string_view::npos ? std::string_view("/") : target.substr(path_start);
}

std::string_view authority_of(std::string_view target) {
  std::size_t scheme_end = target.find("://");
  if (scheme_end == std::string_view::npos)
    return {};
  std::string_view rest = target.substr(scheme_end + 3);
  return rest.substr(0, rest.find_first_of("/?"));
}

// Identity values come from signed tokens, but a header must never carry CR, LF or NUL.
std::string header_safe(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  constexpr char kHex[] = "0123456789ABCDEF";
  for (unsigned char c : value) {
    if (c < 0x20 || c == 0x7f || c == '%') {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    } else {
      out.push_back(static_cast<char>(c));
    }
  }
  return out;
}

// "host:port" → "host"; "[v6]:port" → "[v6]".
std::string_view host_without_port(std::string_view host) {
  std::size_t colon = host.rfind(':');
  if (colon == std::string_view::npos || host.ends_with(']'))
    return host;
  if (host.starts_with('[') && host.find(']') > colon)
    return host;
  return host.substr(0, colon);
}

} // namespace

void rewrite_request(http::RequestHead& head, const ForwardingFacts& facts) {
  if (!head.target.starts_with('/')) {
    std::string authority(authority_of(head.target));
    head.target = std::string(origin_form(head.target));
    head.headers.remove("host");
    if (!authority.empty())
      head.headers.add("Host", authority);
  }
  remove_connection_listed(head);
  head.headers.remove_if([&](std::string_view name) {
    return http::is_hop_by_hop(name) || is_spoofable(name, facts.identity_header) ||
           http::iequals(name, "expect");
  });
  std::optional<std::string_view> host = head.headers.get("host");
  if (!host) {
    head.headers.add("Host", facts.backend_host);
    host = head.headers.get("host");
  }
  std::string_view scheme = facts.secure ? "https" : "http";
  std::string port = std::to_string(facts.listener_port);
  std::string host_copy(*host);
  head.headers.add("X-Forwarded-For", facts.client_ip);
  head.headers.add("X-Forwarded-Proto", scheme);
  head.headers.add("X-Forwarded-Host", host_copy);
  head.headers.add("$WSRA", facts.client_ip);
  head.headers.add("$WSIS", facts.secure ? "true" : "false");
  head.headers.add("$WSSC", scheme);
  head.headers.add("$WSSP", port);
  head.headers.add("$WSSN", host_without_port(host_copy));
  if (!facts.identity_header.empty() && !facts.identity.empty())
    head.headers.add(facts.identity_header, header_safe(facts.identity));
  if (head.body == http::BodyKind::Chunked)
    head.headers.add("Transfer-Encoding", "chunked");
}

http::BodyKind rewrite_response(http::ResponseHead& head, int client_version_minor, bool closing,
                                bool head_request) {
  remove_connection_listed(head);
  head.headers.remove_if([](std::string_view name) { return http::is_hop_by_hop(name); });
  http::BodyKind framing = head.body;
  bool bodiless = head_request || head.status == 204 || head.status == 304 ||
                  (head.status >= 100 && head.status < 200);
  if (!bodiless &&
      (head.body == http::BodyKind::Chunked || head.body == http::BodyKind::UntilClose)) {
    if (client_version_minor >= 1) {
      head.headers.add("Transfer-Encoding", "chunked");
      framing = http::BodyKind::Chunked;
    } else {
      framing = http::BodyKind::UntilClose;
    }
  }
  if (head_request && head.body == http::BodyKind::Chunked)
    head.headers.add("Transfer-Encoding", "chunked");
  if (closing || framing == http::BodyKind::UntilClose)
    head.headers.add("Connection", "close");
  else if (client_version_minor == 0)
    head.headers.add("Connection", "keep-alive");
  return bodiless ? http::BodyKind::None : framing;
}

} // namespace stgw::proxy
