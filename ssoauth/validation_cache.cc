#include "ssoauth/validation_cache.h"

#include <cstring>

#include "ssoauth/crypto.h"

namespace stgw::ssoauth {

ValidationCache::ValidationCache(std::size_t max_entries)
    : max_entries_(std::min<std::size_t>(max_entries, UINT32_MAX)) {}

std::size_t ValidationCache::KeyHash::operator()(const Key& key) const noexcept {
  // The key is a SHA-256 output: any 8 bytes of it are already uniformly distributed.
  std::size_t h;
  std::memcpy(&h, key.data(), sizeof h);
  return h;
}

void ValidationCache::clear() {
  slots_.clear();
  index_.clear();
  next_eviction_ = 0;
}

std::optional<ValidationCache::Key> ValidationCache::make_key(std::uint8_t kind,
                                                              std::string_view value) {
  // Hashing kind and value separately would allow ("a","bc") == ("ab","c"); the kind is one
  // fixed-size byte, so prefixing it is unambiguous.
  char prefix = static_cast<char>(kind);
  auto digest = crypto::sha256(std::string_view(&prefix, 1), value);
  if (!digest)
    return std::nullopt;
  return *digest;
}

void ValidationCache::bind(std::uint64_t validator_id) {
  if (validator_id == validator_id_)
    return;
  clear();
  validator_id_ = validator_id;
}

const Identity* ValidationCache::lookup(std::uint64_t validator_id, const Key& key,
                                        std::int64_t now_ms) {
  bind(validator_id);
  auto it = index_.find(key);
  if (it == index_.end()) {
    ++misses_;
    return nullptr;
  }
  const Slot& slot = slots_[it->second];
  if (now_ms < slot.valid_from_ms || now_ms > slot.identity.expires_unix_ms) {
    ++misses_;
    return nullptr;
  }
  ++hits_;
  return &slot.identity;
}

void ValidationCache::store(std::uint64_t validator_id, const Key& key, const Identity& identity,
                            std::int64_t now_ms) {
  bind(validator_id);
  // Valid only through the clock skew: an entry would be dead on arrival.
  if (max_entries_ == 0 || now_ms > identity.expires_unix_ms)
    return;
  if (auto it = index_.find(key); it != index_.end()) {
    slots_[it->second] = Slot{key, now_ms, identity};
    return;
  }
  std::uint32_t position;
  if (slots_.size() < max_entries_) {
    position = static_cast<std::uint32_t>(slots_.size());
    slots_.push_back(Slot{key, now_ms, identity});
  } else {
    position = static_cast<std::uint32_t>(next_eviction_);
    next_eviction_ = (next_eviction_ + 1) % max_entries_;
    index_.erase(slots_[position].key);
    slots_[position] = Slot{key, now_ms, identity};
  }
  index_.emplace(key, position);
}

} // namespace stgw::ssoauth
