#pragma once

// HTTP/1.x message heads as the codecs produce and the proxy edits them. Header names and
// values live in one storage string per head (one allocation, not two per header); entries are
// offsets into it, so adding a header never invalidates the others.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace stgw::http {

// ASCII case-insensitive comparison, as header names need.
bool iequals(std::string_view a, std::string_view b);

class HeaderList {
public:
  struct Field {
    std::string_view name;
    std::string_view value;
  };

  void reserve(std::size_t bytes, std::size_t fields);
  // Drops the bytes of removed fields and any spare capacity (a head that will be kept for a
  // long time, such as a parked poll's).
  void compact();
  void add(std::string_view name, std::string_view value);
  // Replaces every field named |name| by one field |name: value| at the end. |value| may be a
  // view of one of this list's own fields.
  void set(std::string_view name, std::string_view value);
  // Removes every field whose name equals |name| (case-insensitive); returns how many.
  std::size_t remove(std::string_view name);
  // Removes every field for which |pred(name)| is true.
  template <class Pred> std::size_t remove_if(Pred pred);

  // First value of |name|, if any.
  std::optional<std::string_view> get(std::string_view name) const;
  bool contains(std::string_view name) const { return get(name).has_value(); }
  // How many fields are named |name|.
  std::size_t count(std::string_view name) const;

  std::size_t size() const { return entries_.size(); }
  bool empty() const { return entries_.empty(); }
  Field operator[](std::size_t i) const;
  void clear();

  // Appends "Name: value\r\n" for every field.
  void serialize(std::string& out) const;

  class Iterator;
  Iterator begin() const;
  Iterator end() const;

private:
  struct Entry {
    std::uint32_t name_offset;
    std::uint32_t name_length;
    std::uint32_t value_offset;
    std::uint32_t value_length;
  };
  std::string storage_;
  std::vector<Entry> entries_;
};

class HeaderList::Iterator {
public:
  Iterator(const HeaderList* list, std::size_t index) : list_(list), index_(index) {}
  Field operator*() const { return (*list_)[index_]; }
  Iterator& operator++() {
    ++index_;
    return *this;
  }
  bool operator==(const Iterator& other) const { return index_ == other.index_; }

private:
  const HeaderList* list_;
  std::size_t index_;
};

inline HeaderList::Iterator HeaderList::begin() const {
  return Iterator(this, 0);
}
inline HeaderList::Iterator HeaderList::end() const {
  return Iterator(this, entries_.size());
}

template <class Pred> std::size_t HeaderList::remove_if(Pred pred) {
  std::size_t before = entries_.size();
  std::erase_if(entries_, [&](const Entry& e) {
    return pred(std::string_view(storage_).substr(e.name_offset, e.name_length));
  });
  return before - entries_.size();
}

// How the body of a message is delimited.
enum class BodyKind : std::uint8_t {
  None,          // no body (or Content-Length: 0)
  ContentLength, // exactly content_length bytes
  Chunked,       // chunked transfer coding
  UntilClose,    // responses only: read until the backend closes
};

struct RequestHead {
  std::string method;
  std::string target;               // origin form ("/path?q") or absolute form as received
  HeaderList headers;               // as received, in order (framing headers included)
  std::uint64_t content_length = 0; // when body == ContentLength
  int version_minor = 1;            // HTTP/1.0 → 0, HTTP/1.1 → 1

  BodyKind body = BodyKind::None;
  bool keep_alive = true;       // per version and Connection header
  bool expect_continue = false; // "Expect: 100-continue"
  bool upgrade = false;         // Connection: upgrade + Upgrade header present

  std::string_view path() const; // target without query; for absolute form the path part
  // Host header (or authority of an absolute target), no port. An absolute target wins over
  // the Host header (RFC 9112 §3.2.2); an IPv6 literal keeps its brackets ("[::1]").
  std::string_view host() const;
};

struct ResponseHead {
  int status = 200;
  std::string reason;
  int version_minor = 1;
  HeaderList headers;

  BodyKind body = BodyKind::None;
  std::uint64_t content_length = 0;
  bool keep_alive = true;
};

// Appends "METHOD target HTTP/1.1\r\n" + headers + "\r\n". Framing headers are written as they
// are in |head.headers|; the caller keeps them consistent with how it writes the body.
void serialize_request_head(const RequestHead& head, std::string& out);
// The request line and header fields without the empty line that ends the head, for a caller
// that appends fields of its own.
void serialize_request_start(const RequestHead& head, std::string& out);
// The standard reason phrase of |status| ("Not Found"), "Unknown" for codes not listed.
std::string_view reason_phrase(int status);

// Appends "HTTP/1.1 status reason\r\n" + headers + "\r\n".
void serialize_response_head(const ResponseHead& head, std::string& out);
// Appends the hex chunk-size line for a chunk of |size| bytes ("1a\r\n").
void serialize_chunk_header(std::uint64_t size, std::string& out);
inline constexpr std::string_view kChunkTrailer = "\r\n";   // after each chunk's data
inline constexpr std::string_view kLastChunk = "0\r\n\r\n"; // ends a chunked body

// True for headers that never cross a proxy (RFC 9110 §7.6.1): Connection, Keep-Alive,
// Proxy-Connection, Proxy-Authenticate, Proxy-Authorization, TE, Trailer, Transfer-Encoding,
// Upgrade. Content-Length is not hop-by-hop.
bool is_hop_by_hop(std::string_view name);

} // namespace stgw::http
