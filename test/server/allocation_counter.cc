#include "test/server/allocation_counter.h"

#include <cstdlib>
#include <new>

namespace {

// Plain thread_local integers: constant-initialised, so reading them inside operator new never
// allocates or recurses.
thread_local std::size_t allocations = 0;
thread_local int counting_scopes = 0;

void* allocate(std::size_t size) {
  if (counting_scopes > 0)
    ++allocations;
  if (void* p = std::malloc(size == 0 ? 1 : size))
    return p;
  throw std::bad_alloc();
}

} // namespace

// The aligned forms and the nothrow forms are left to the library: libstdc++ builds them on
// these (nothrow) or on aligned_alloc/free (aligned), which stay consistent with malloc/free.
void* operator new(std::size_t size) {
  return allocate(size);
}
void* operator new[](std::size_t size) {
  return allocate(size);
}
void operator delete(void* p) noexcept {
  std::free(p);
}
void operator delete[](void* p) noexcept {
  std::free(p);
}
void operator delete(void* p, std::size_t) noexcept {
  std::free(p);
}
void operator delete[](void* p, std::size_t) noexcept {
  std::free(p);
}

namespace stgw::server::test {

CountAllocations::CountAllocations() : start_(allocations) {
  ++counting_scopes;
}

CountAllocations::~CountAllocations() {
  --counting_scopes;
}

std::size_t CountAllocations::count() const {
  return allocations - start_;
}

} // namespace stgw::server::test
