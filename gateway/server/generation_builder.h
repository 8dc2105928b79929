#pragma once

// Turns a validated configuration into the process-wide products workers share: TLS contexts,
// resolved backend addresses, backend health, the auth gate. Used at start-up and on reload;
// every error is listed (a reload that fails leaves the running generation alone).

#include <expected>
#include <memory>
#include <string>
#include <vector>

#include "gateway/proxy/worker_context.h"

namespace stgw::server {

std::expected<std::shared_ptr<const proxy::SharedGeneration>, std::vector<std::string>>
build_generation(config::ConfigPtr config, const proxy::SharedGeneration* previous = nullptr);

} // namespace stgw::server
