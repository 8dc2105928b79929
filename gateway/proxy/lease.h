#pragma once

// A slot in a connection budget, given back when the lease is destroyed (RAII, as Pingora
// does it). The budget code derives from it; the proxy only holds leases.

namespace stgw::proxy {

class Lease {
public:
  virtual ~Lease() = default;
};

} // namespace stgw::proxy
