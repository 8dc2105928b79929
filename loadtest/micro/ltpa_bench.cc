// LTPA validation costs on the request path. Run: build/loadtest/micro/stgw-micro
// The uncached LtpaToken2 rate should stay within a factor of three of BM_Rsa1024Verify (one
// RSA-1024 verification is the floor of an uncached token); a cached hit should stay below 1 µs.

#include <openssl/evp.h>
#include <openssl/rsa.h>

#include <benchmark/benchmark.h>

#include <memory>
#include <string>
#include <string_view>

#include "ssoauth/mint.h"
#include "ssoauth/validator.h"

namespace {

using namespace stgw::ssoauth;

constexpr std::int64_t kExpiresMs = 4'000'000'000'000; // far in the future
const TimePoint kNow = from_unix_ms(kExpiresMs - 3'600'000);

struct Fixture {
  std::vector<LtpaKeySet> keys;
  DominoSecret secret = *parse_domino_secret("AAECAwQFBgcICQoLDA0ODxAREhM=");
  std::unique_ptr<Validator> validator;
  std::unique_ptr<Validator> rotating; // three key sets, tokens from the last one
  std::string ltpa2;
  std::string ltpa2_old_key;
  std::string ltpa1;
  std::string domino;
  std::string cookie_header;

  Fixture() {
    for (int i = 0; i < 3; ++i) {
      std::string realm = "BenchRealm" + std::to_string(i);
      keys.push_back(*parse_ltpa_keys(*generate_ltpa_keys_file("bench", realm), "bench"));
    }
    validator =
        std::make_unique<Validator>(ValidatorOptions{}, std::vector<TrustedKeySet>{{keys[0], ""}},
                                    std::vector<DominoSecret>{secret});
    rotating = std::make_unique<Validator>(
        ValidatorOptions{}, std::vector<TrustedKeySet>{{keys[2], ""}, {keys[1], ""}, {keys[0], ""}},
        std::vector<DominoSecret>{});
    std::string access_id = "user:BenchRealm0/uid=alice,ou=people,dc=example,dc=com";
    AttributeList was_attributes = {{"host", {"was01.example.com"}},
                                    {"port", {"9443"}},
                                    {"security.authMechOID", {"oid:1.3.18.0.2.30.2"}},
                                    {"type", {"SSO"}}};
    ltpa2 = *mint_ltpa2(keys[0], access_id, was_attributes, from_unix_ms(kExpiresMs));
    ltpa2_old_key = ltpa2;
    ltpa1 = *mint_ltpa1(keys[0], access_id, {}, from_unix_ms(kExpiresMs));
    domino = *mint_domino(secret, "CN=Alice Example/OU=Sales/O=Acme", kNow - std::chrono::hours(1),
                          from_unix_ms(kExpiresMs));
    cookie_header = "JSESSIONID=0000abcdefghijklmnop:clone1; LtpaToken2=" + ltpa2 + "; other=1";
  }
};

const Fixture& fixture() {
  static const Fixture instance;
  return instance;
}

void BM_Ltpa2VerifyUncached(benchmark::State& state) {
  const Fixture& f = fixture();
  for (auto _ : state) {
    auto id = f.validator->verify_token(TokenFormat::Ltpa2, f.ltpa2, kNow);
    if (!id)
      state.SkipWithError("token did not verify");
    benchmark::DoNotOptimize(id);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Ltpa2VerifyUncached)->Threads(1)->Threads(2)->UseRealTime();

// Rotation: the token's key set is tried last, after two padding failures.
void BM_Ltpa2VerifyUncachedThirdKeySet(benchmark::State& state) {
  const Fixture& f = fixture();
  for (auto _ : state) {
    auto id = f.rotating->verify_token(TokenFormat::Ltpa2, f.ltpa2_old_key, kNow);
    if (!id)
      state.SkipWithError("token did not verify");
    benchmark::DoNotOptimize(id);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Ltpa2VerifyUncachedThirdKeySet);

void BM_Ltpa1VerifyUncached(benchmark::State& state) {
  const Fixture& f = fixture();
  for (auto _ : state) {
    auto id = f.validator->verify_token(TokenFormat::Ltpa1, f.ltpa1, kNow);
    if (!id)
      state.SkipWithError("token did not verify");
    benchmark::DoNotOptimize(id);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Ltpa1VerifyUncached);

void BM_DominoVerifyUncached(benchmark::State& state) {
  const Fixture& f = fixture();
  for (auto _ : state) {
    auto id = f.validator->verify_token(TokenFormat::Domino, f.domino, kNow);
    if (!id)
      state.SkipWithError("token did not verify");
    benchmark::DoNotOptimize(id);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_DominoVerifyUncached);

// The hot path: a Cookie header whose LtpaToken2 is already in the worker's cache.
void BM_CookieHeaderCachedHit(benchmark::State& state) {
  const Fixture& f = fixture();
  ValidationCache cache(65536);
  std::string_view headers[] = {f.cookie_header};
  if (!f.validator->verify_cookie_headers(headers, kNow, &cache))
    state.SkipWithError("token did not verify");
  for (auto _ : state) {
    auto id = f.validator->verify_cookie_headers(headers, kNow, &cache);
    benchmark::DoNotOptimize(id);
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["hits"] = static_cast<double>(cache.hits());
}
BENCHMARK(BM_CookieHeaderCachedHit)->Threads(1)->Threads(2)->UseRealTime();

// The floor: one RSA-1024 PKCS#1 v1.5 verification through EVP with a context built once, as
// `openssl speed rsa1024` measures it.
void BM_Rsa1024Verify(benchmark::State& state) {
  const Fixture& f = fixture();
  EVP_PKEY* key = f.keys[0].private_key->get();
  unsigned char digest[20] = {1, 2, 3};
  unsigned char signature[128];
  std::size_t signature_size = sizeof signature;
  EVP_PKEY_CTX* sign = EVP_PKEY_CTX_new(key, nullptr);
  EVP_PKEY_sign_init(sign);
  EVP_PKEY_CTX_set_rsa_padding(sign, RSA_PKCS1_PADDING);
  EVP_PKEY_CTX_set_signature_md(sign, EVP_sha1());
  EVP_PKEY_sign(sign, signature, &signature_size, digest, sizeof digest);
  EVP_PKEY_CTX_free(sign);
  EVP_PKEY_CTX* verify = EVP_PKEY_CTX_new(f.keys[0].public_key.get(), nullptr);
  EVP_PKEY_verify_init(verify);
  EVP_PKEY_CTX_set_rsa_padding(verify, RSA_PKCS1_PADDING);
  EVP_PKEY_CTX_set_signature_md(verify, EVP_sha1());
  for (auto _ : state) {
    int ok = EVP_PKEY_verify(verify, signature, signature_size, digest, sizeof digest);
    if (ok != 1)
      state.SkipWithError("signature did not verify");
    benchmark::DoNotOptimize(ok);
  }
  EVP_PKEY_CTX_free(verify);
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Rsa1024Verify);

} // namespace
