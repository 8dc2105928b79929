#pragma once

// Shared helpers for the ssoauth tests: the LTPA vectors (read from ../shared at test time,
// never copied), key sets generated once per process, temporary folders and a process runner.

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "ssoauth/domino_secret.h"
#include "ssoauth/identity.h"
#include "ssoauth/ltpa_keys.h"

namespace stgw::ssoauth::testing {

// One of the JSON files in ../shared/ltpa/vectors/.
nlohmann::json load_vector_file(std::string_view name);

// Key sets generated for the tests (RSA keygen once per process). Index 0..2; each has realm
// "TestRealm<index>" and the password "pw<index>"; the text is the ltpa.keys file.
const LtpaKeySet& generated_keys(int index);
const std::string& generated_keys_text(int index);
std::string generated_keys_password(int index);

DominoSecret domino_secret(std::uint8_t fill);

TimePoint at_unix_seconds(std::int64_t seconds);

std::string to_hex(std::string_view bytes);
std::string from_hex(std::string_view hex);

class TempDir {
public:
  TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir();
  const std::filesystem::path& path() const { return path_; }
  // Writes |content| to path()/name and returns the full path.
  std::string write(const std::string& name, std::string_view content) const;

private:
  std::filesystem::path path_;
};

struct ProcessResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// Runs |argv| (argv[0] is the program path) with |input| on standard input.
ProcessResult run_process(const std::vector<std::string>& argv, std::string_view input = {});

} // namespace stgw::ssoauth::testing
