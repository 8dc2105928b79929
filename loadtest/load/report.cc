#include "loadtest/load/report.h"

#include <fmt/format.h>

namespace stgw::load {
namespace {

double ms(std::uint64_t ns) {
  return static_cast<double>(ns) / 1e6;
}

// Round to a microsecond so that the JSON stays readable.
double round_ms(double value) {
  return static_cast<double>(static_cast<std::int64_t>(value * 1000.0 + 0.5)) / 1000.0;
}

std::string url_text(const Options& o) {
  return fmt::format("{}://{}", o.url.tls ? "https" : "http", o.url.host_header);
}

nlohmann::json error_json(const Tally& t) {
  nlohmann::json errors = nlohmann::json::object();
  errors["total"] = t.total_errors();
  for (int k = 0; k < kErrorKinds; ++k) {
    if (t.errors[static_cast<std::size_t>(k)] != 0)
      errors[std::string(to_string(static_cast<ErrorKind>(k)))] =
          t.errors[static_cast<std::size_t>(k)];
  }
  for (std::size_t s = 400; s < t.statuses.size(); ++s) {
    if (t.statuses[s] != 0)
      errors[fmt::format("status_{}", s)] = t.statuses[s];
  }
  return errors;
}

} // namespace

nlohmann::json to_json(const RunSummary& summary) {
  const Options& o = *summary.options;
  const Tally& t = summary.tally;
  nlohmann::json j;
  j["scenario"] = std::string(to_string(o.scenario));
  j["url"] = url_text(o);
  j["target"] = o.scenario == Scenario::Awareness ? o.poll_path : o.target();
  j["threads"] = summary.threads;
  if (o.scenario == Scenario::Awareness)
    j["users"] = o.users;
  else
    j["connections"] = o.connections;
  j["rate"] = o.rate;
  j["duration_s"] = round_ms(summary.seconds);
  j["requests"] = t.requests;
  j["requests_per_s"] =
      summary.seconds > 0 ? round_ms(static_cast<double>(t.requests) / summary.seconds) : 0.0;
  const LatencyHistogram& h = t.latency;
  j["latency_ms"] = {
      {"min", round_ms(ms(h.min()))},          {"mean", round_ms(h.mean() / 1e6)},
      {"p50", round_ms(ms(h.percentile(50)))}, {"p90", round_ms(ms(h.percentile(90)))},
      {"p99", round_ms(ms(h.percentile(99)))}, {"p99_9", round_ms(ms(h.percentile(99.9)))},
      {"max", round_ms(ms(h.max()))}};
  nlohmann::json status = nlohmann::json::object();
  for (std::size_t s = 0; s < t.statuses.size(); ++s) {
    if (t.statuses[s] != 0)
      status[std::to_string(s)] = t.statuses[s];
  }
  j["status"] = status;
  j["errors"] = error_json(t);
  j["connections_opened"] = t.connections_opened;
  j["tls_handshakes"] = t.tls_handshakes;
  j["bytes_received"] = t.bytes_received;
  if (o.scenario == Scenario::Awareness) {
    j["awareness"] = {{"users", t.users},
                      {"users_connected", t.users_connected},
                      {"users_parked", t.users_ever_parked},
                      {"polls_parked_now", t.polls_parked_now},
                      {"polls_parked_max", summary.polls_parked_max},
                      {"polls_answered", t.polls_answered}};
  }
  return j;
}

std::string to_text(const RunSummary& summary) {
  const Options& o = *summary.options;
  const Tally& t = summary.tally;
  const LatencyHistogram& h = t.latency;
  std::string out;
  auto line = [&out](std::string s) { out += s + "\n"; };
  line(fmt::format("stgw-load {} {}{}  threads {}  {} {}  {:.2f} s", to_string(o.scenario),
                   url_text(o), o.scenario == Scenario::Awareness ? o.poll_path : o.target(),
                   summary.threads, o.scenario == Scenario::Awareness ? o.users : o.connections,
                   o.scenario == Scenario::Awareness ? "users" : "connections", summary.seconds));
  double rps = summary.seconds > 0 ? static_cast<double>(t.requests) / summary.seconds : 0;
  line(fmt::format("  requests    {}  ({:.1f}/s){}", t.requests, rps,
                   o.rate > 0 ? fmt::format("  rate asked {:.1f}/s{}", o.rate,
                                            o.scenario == Scenario::Awareness ? " per user" : "")
                              : ""));
  line(fmt::format("  latency ms  p50 {:.3f}  p90 {:.3f}  p99 {:.3f}  p99.9 {:.3f}  max {:.3f}  "
                   "mean {:.3f}",
                   ms(h.percentile(50)), ms(h.percentile(90)), ms(h.percentile(99)),
                   ms(h.percentile(99.9)), ms(h.max()), h.mean() / 1e6));
  std::string statuses;
  for (std::size_t s = 0; s < t.statuses.size(); ++s) {
    if (t.statuses[s] != 0)
      statuses += fmt::format(" {}:{}", s, t.statuses[s]);
  }
  line(fmt::format("  status     {}", statuses.empty() ? " none" : statuses));
  std::string errors;
  nlohmann::json error_counts = error_json(t);
  for (auto& [kind, n] : error_counts.items()) {
    if (kind != "total")
      errors += fmt::format(" {}:{}", kind, n.get<std::uint64_t>());
  }
  line(fmt::format("  errors      {}{}", t.total_errors(),
                   errors.empty() ? "" : "  (" + errors.substr(1) + ")"));
  line(fmt::format("  connections {} opened, {} TLS handshakes, {} bytes received",
                   t.connections_opened, t.tls_handshakes, t.bytes_received));
  if (o.scenario == Scenario::Awareness) {
    line(fmt::format("  awareness   users {}  connected {}  ever parked {}  parked now {}  "
                     "max {}  polls answered {}",
                     t.users, t.users_connected, t.users_ever_parked, t.polls_parked_now,
                     summary.polls_parked_max, t.polls_answered));
  }
  return out;
}

std::string progress_line(double elapsed_s, std::uint64_t requests_in_second,
                          std::uint64_t requests_total, std::uint64_t errors,
                          std::int64_t open_connections, const Options& options,
                          std::int64_t users_connected, std::int64_t parked_now,
                          std::int64_t parked_max) {
  std::string line =
      fmt::format("[{:5.1f}s] {:>8} req/s  total {:>9}  errors {:>6}  conns {:>6}", elapsed_s,
                  requests_in_second, requests_total, errors, open_connections);
  if (options.scenario == Scenario::Awareness)
    line += fmt::format("  users {}/{}  parked {} (max {})", users_connected, options.users,
                        parked_now, parked_max);
  return line;
}

} // namespace stgw::load
