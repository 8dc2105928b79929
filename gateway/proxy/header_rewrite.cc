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

void clean_request(http::RequestHead& head, const ForwardingFacts& facts) {
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
  if (!head.headers.contains("host"))
    head.headers.add("Host", facts.backend_host);
}

namespace {

void append_field(std::string_view name, std::string_view value, std::string& out) {
  out.append(name).append(": ").append(value).append("\r\n");
}

} // namespace

void serialize_for_backend(const http::RequestHead& head, const ForwardingFacts& facts,
                           std::string& out) {
  http::serialize_request_start(head, out);
  std::string_view host = head.headers.get("host").value_or(facts.backend_host);
  std::string_view scheme = facts.secure ? "https" : "http";
  append_field("X-Forwarded-For", facts.client_ip, out);
  append_field("X-Forwarded-Proto", scheme, out);
  append_field("X-Forwarded-Host", host, out);
  append_field("$WSRA", facts.client_ip, out);
  append_field("$WSIS", facts.secure ? "true" : "false", out);
  append_field("$WSSC", scheme, out);
  append_field("$WSSP", std::to_string(facts.listener_port), out);
  append_field("$WSSN", host_without_port(host), out);
  if (!facts.identity_header.empty() && !facts.identity.empty())
    append_field(facts.identity_header, header_safe(facts.identity), out);
  if (head.body == http::BodyKind::Chunked)
    append_field("Transfer-Encoding", "chunked", out);
  out.append("\r\n");
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
