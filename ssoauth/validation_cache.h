#pragma once

// A bounded cache of validated cookies so that a repeat costs one SHA-256 and one hash-map
// lookup instead of an RSA verification. One per worker thread: NOT thread-safe, no locks.

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "ssoauth/identity.h"

namespace stgw::ssoauth {

class ValidationCache {
public:
  // |max_entries| bounds memory (about 300 bytes per entry); 0 disables caching. Entries are
  // evicted oldest-inserted first once the cache is full.
  explicit ValidationCache(std::size_t max_entries = 65536);

  std::uint64_t hits() const { return hits_; }
  std::uint64_t misses() const { return misses_; }
  std::size_t size() const { return index_.size(); }
  std::size_t capacity() const { return max_entries_; }
  void clear();

private:
  friend class Validator;
  using Key = std::array<std::uint8_t, 32>;
  struct KeyHash {
    std::size_t operator()(const Key& key) const noexcept;
  };
  struct Slot {
    Key key{};
    std::int64_t valid_from_ms = 0; // when it was verified; an earlier clock misses
    Identity identity;              // valid until identity.expires_unix_ms, never longer
  };

  // SHA-256 over the cookie kind and value: the cache never keeps the token itself, and a
  // collision would need a SHA-256 collision.
  static std::optional<Key> make_key(std::uint8_t kind, std::string_view value);
  // Counts a hit or a miss. A different |validator_id| than last time (a reload with other
  // keys) empties the cache first, so revoked keys never answer from it.
  const Identity* lookup(std::uint64_t validator_id, const Key& key, std::int64_t now_ms);
  void store(std::uint64_t validator_id, const Key& key, const Identity& identity,
             std::int64_t now_ms);
  void bind(std::uint64_t validator_id);

  std::size_t max_entries_;
  std::uint64_t validator_id_ = 0;
  std::vector<Slot> slots_;
  std::unordered_map<Key, std::uint32_t, KeyHash> index_;
  std::size_t next_eviction_ = 0;
  std::uint64_t hits_ = 0;
  std::uint64_t misses_ = 0;
};

} // namespace stgw::ssoauth
