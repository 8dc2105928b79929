#include "test/ssoauth/test_support.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <sstream>
#include <stdexcept>

extern char** environ;

namespace stgw::ssoauth::testing {
namespace {

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

struct Generated {
  std::array<std::string, 3> texts;
  std::array<LtpaKeySet, 3> keys;
};

const Generated& generated() {
  static const Generated instance = [] {
    Generated g;
    for (int i = 0; i < 3; ++i) {
      auto text =
          generate_ltpa_keys_file(generated_keys_password(i), "TestRealm" + std::to_string(i));
      if (!text)
        throw std::runtime_error("key generation failed");
      auto keys = parse_ltpa_keys(*text, generated_keys_password(i));
      if (!keys)
        throw std::runtime_error("generated key file does not parse");
      g.texts[static_cast<std::size_t>(i)] = *text;
      g.keys[static_cast<std::size_t>(i)] = std::move(*keys);
    }
    return g;
  }();
  return instance;
}

} // namespace

nlohmann::json load_vector_file(std::string_view name) {
  auto path = std::filesystem::path(STGW_SHARED_DIR) / "ltpa" / "vectors" / std::string(name);
  std::ifstream in(path);
  if (!in)
    throw std::runtime_error("missing vector file " + path.string());
  return nlohmann::json::parse(in);
}

const LtpaKeySet& generated_keys(int index) {
  return generated().keys.at(static_cast<std::size_t>(index));
}
const std::string& generated_keys_text(int index) {
  return generated().texts.at(static_cast<std::size_t>(index));
}
std::string generated_keys_password(int index) {
  return "pw" + std::to_string(index);
}

DominoSecret domino_secret(std::uint8_t fill) {
  DominoSecret secret;
  for (std::size_t i = 0; i < secret.bytes.size(); ++i)
    secret.bytes[i] = static_cast<std::uint8_t>(fill + i);
  return secret;
}

TimePoint at_unix_seconds(std::int64_t seconds) {
  return from_unix_ms(seconds * 1000);
}

std::string to_hex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out += kDigits[c >> 4];
    out += kDigits[c & 15];
  }
  return out;
}

std::string from_hex(std::string_view hex) {
  std::string out;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2)
    out += static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16));
  return out;
}

TempDir::TempDir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "stgw-ssoauth-XXXXXX").string();
  if (mkdtemp(pattern.data()) == nullptr)
    throw std::runtime_error("mkdtemp failed");
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::string TempDir::write(const std::string& name, std::string_view content) const {
  auto full = path_ / name;
  std::ofstream out(full, std::ios::binary);
  out << content;
  return full.string();
}

ProcessResult run_process(const std::vector<std::string>& argv, std::string_view input) {
  TempDir io;
  std::string in_path = io.write("stdin", input);
  std::string out_path = (io.path() / "stdout").string();
  std::string err_path = (io.path() / "stderr").string();
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, in_path.c_str(), O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                   0600);
  posix_spawn_file_actions_addopen(&actions, 2, err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                   0600);
  std::vector<char*> args;
  for (const auto& a : argv)
    args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = 0;
  ProcessResult result;
  int rc = posix_spawn(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    result.err = "posix_spawn failed";
    return result;
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  result.out = read_file(out_path);
  result.err = read_file(err_path);
  return result;
}

} // namespace stgw::ssoauth::testing
