#pragma once

// Counts the heap allocations (global operator new) made by the calling thread while a
// CountAllocations is alive, so that tests can assert that a hot path allocates nothing. The
// replacement operator new/delete in allocation_counter.cc serve the whole test binary; outside a
// CountAllocations they only forward to malloc/free.

#include <cstddef>

namespace stgw::server::test {

class CountAllocations {
public:
  CountAllocations();
  ~CountAllocations();
  CountAllocations(const CountAllocations&) = delete;
  CountAllocations& operator=(const CountAllocations&) = delete;

  // Allocations by this thread since construction.
  std::size_t count() const;

private:
  std::size_t start_;
};

} // namespace stgw::server::test
