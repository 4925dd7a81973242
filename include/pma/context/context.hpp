#pragma once

#include <pma/context/ignore.hpp>
#include <pma/transport/http.hpp>
#include <pma/util/error.hpp>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace pma::context {

struct ContextEntry {
  enum class Kind { directory, file, symlink };
  std::string path; // relative to the context root, '/'-separated
  Kind kind = Kind::file;
};

// A file put into the context tar that is not in the context directory.
struct ExtraFile {
  std::string tar_name;         // at the context root
  std::filesystem::path source; // read from here at tar time (symlinks followed), or
  std::string content;          // this, when source is empty
  unsigned mode = 0600;
  bool secret = false; // left out of fingerprint()
};

struct ContextOptions {
  // -f as given (relative to the CWD), "-" for containerfile_text, "" for the
  // default lookup (Containerfile, else Dockerfile, in the context).
  std::string containerfile;
  // With "-": the Containerfile's text (read from stdin by the caller).
  std::string containerfile_text;
  // --ignorefile FILE (relative to the CWD): the only rules, no search.
  std::string ignore_file;
  // Added at the root after the walk, never filtered, and listed in
  // `excludes` so that COPY never copies them (e.g. build secrets).
  std::vector<ExtraFile> extra;
};

// What a build context holds after the ignore rules: computed once, streamed
// to every host. Holds names only (and the Containerfile's text), so memory
// does not grow with file sizes.
struct ContextPlan {
  std::filesystem::path root;     // absolute, symlinks resolved
  std::string containerfile;      // the Containerfile's path in the tar: the build's dockerfile=
  std::string containerfile_text; // its content, read once
  std::string ignore_file;        // the ignore file applied, relative to root if inside it; "" if none
  // The build endpoint's excludes=: the rules the server's COPY/ADD must apply,
  // which are the ignore file's patterns plus the extra files' names. Never
  // empty: an empty list would let the server choose an ignore file itself.
  std::vector<std::string> excludes;
  std::vector<ContextEntry> entries; // in tar order: sorted, parents before children
  std::vector<ExtraFile> extra;      // written after `entries`
  uint64_t file_bytes = 0;           // sum of regular file sizes at planning time
  size_t excluded = 0;               // entries left out (an unwalked directory counts once)
};

// Plans the context of `root` as `podman build` (local buildah) would send it.
//
// Ignore file: options.ignore_file alone if given; else, next to the
// Containerfile, <Containerfile>.dockerignore then <Containerfile>.containerignore;
// else <root>/.containerignore, then <root>/.dockerignore. A Containerfile
// from stdin has no file of its own.
//
// Always kept, whatever the rules say (by exact path): the Containerfile,
// <Containerfile>.containerignore and .dockerignore, the root's Containerfile,
// Dockerfile, .containerignore and .dockerignore, and the ignore file applied,
// when they are inside the context. An excluded directory is walked only if a
// '!' rule could re-include something below it or an always-kept path lies
// below it; what is kept below it goes without its parent directories' entries.
// Symlinks are never followed; fifos, sockets and devices are skipped.
//
// A Containerfile outside the context (symlinks of its directory resolved) or
// from stdin becomes an extra file named
// ".podman-multiarch.Containerfile-<first 12 hex digits of its sha256>".
// Errors are of class usage: no Containerfile, bad ignore file, an extra
// file's name taken by the context.
util::Result<ContextPlan> plan_context(const std::filesystem::path& root, const ContextOptions& options);

// plan_context with only -f (`containerfile`, as ContextOptions::containerfile).
util::Result<ContextPlan> plan_context(const std::filesystem::path& root, const std::string& containerfile);

// How a context tar is compressed on the wire. podman's build endpoint
// detects gzip, zstd and xz from the bytes (seen on 4.3.1 and 5.4.2), so the
// request stays application/x-tar.
struct Compression {
  enum class Kind { none, gzip, zstd };
  Kind kind = Kind::none;
  int level = 0; // 0: the default level (gzip 6, zstd 3)

  // "none", "gzip", "zstd", or either with ":LEVEL".
  std::string to_string() const;
  bool operator==(const Compression&) const = default;
};

// Parses "none", "gzip[:1-9]" or "zstd[:1-19]" (a --compress value without "auto").
util::Result<Compression> parse_compression(std::string_view text);

struct TarStats {
  uint64_t entries = 0;
  uint64_t bytes_read = 0;    // file content read from disk
  uint64_t bytes_written = 0; // tar bytes handed to the sink
};

// Receives successive pieces of the tar stream; returning false aborts.
using TarSink = std::function<bool(const char* data, size_t size)>;

// Writes the tar of `plan` in constant memory, straight into `sink`, with the
// headers Go's archive/tar gives podman's: uid/gid 0 and no user or group
// names, the mode with setuid/setgid/sticky, the mtime rounded to the nearest
// second (no atime or ctime), symlinks as symlinks, hard links as links, and
// any name bytes (PAX records where USTAR cannot hold them). Extra files come
// last: mode as given, mtime 0 for `content`, the source's otherwise.
// With `compression`, the sink receives the compressed stream (bytes_written
// counts it), made by libarchive's filter in this thread.
// A sink that refuses gives an error of class connect.
util::Result<TarStats> write_tar(const ContextPlan& plan, const TarSink& sink, const Compression& compression = {});

// What the context sends, as one digest ("sha256:…"): the tar write_tar()
// writes with every mtime 0 and without secret extra files. Paths, modes,
// link targets, hard links and content count; mtimes, the absolute root and
// the order of names on disk do not, so two checkouts of the same sources
// give the same digest (incremental builds, podman-multiarch-build(1)).
util::Result<std::string> fingerprint(const ContextPlan& plan);

// The tar of `plan` as a request body (transport::HttpRequest::body_stream,
// libpod::LibpodClient::build): write_tar() into the request, so that its
// error (a file that vanished or cannot be read) is the request's. `plan` must
// outlive the request.
transport::BodyStream tar_body(const ContextPlan& plan);

} // namespace pma::context
