#pragma once

// The scenarios' units of load, one Client each: an rps slot (one keep-alive connection in a
// closed or paced loop), a handshake slot (a new connection per request) and an awareness user
// (a parked long poll plus paced presence requests).

#include <memory>
#include <vector>

#include "loadtest/load/worker.h"

namespace stgw::load {

// This thread's share (thread |worker.index()| of |threads|) of the scenario's clients.
std::vector<std::unique_ptr<Client>> make_clients(Worker& worker, int threads);

// The user name of awareness user |index| (0-based): prefix + (index + 1), e.g. "loaduser1".
std::string user_name(std::string_view prefix, std::uint64_t index);

} // namespace stgw::load
