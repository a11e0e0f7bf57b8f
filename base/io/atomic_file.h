// Atomic file output: every result file is written under a temporary name in the target's
// directory and renamed into place, so a reader never sees a half-written file.
//
// Contract:
//  - The temporary name is "<path>.tmp.<pid>"; it never appears inside the file's contents.
//  - On success the data is flushed to disk (fsync) before the rename; an existing file at
//    `path` is replaced in one step.
//  - If `write` throws, the temporary file is removed and the exception propagates; `path` is
//    left as it was (absent, or its previous contents).
//  - Failures of the file system (missing or unwritable directory, a full disk, failed rename)
//    throw tessera::Error naming `path` and the operating system's reason; a tessera::Error that
//    `write` throws naming the temporary is rethrown naming `path` instead.
//  - If SIGINT or SIGTERM ends the process while writes are in flight, their temporary files
//    are removed first (when the signal was at its default action; the process still ends by
//    the signal). A handler the program installed itself is left alone.
//  - A temporary of `path` left by a process that no longer exists (killed with SIGKILL, or
//    crashed) is removed the next time `path` is written.
//  - Two threads of one process must not write the same `path` at the same time.
#pragma once

#include <functional>
#include <string>

namespace tessera {

/// Calls `write(tmp_path)`, which must create and fully write the file at tmp_path (and close
/// it), then renames tmp_path to `path`.
void write_file_atomically(const std::string& path,
                           const std::function<void(const std::string& tmp_path)>& write);

/// Writes `text` to `path` atomically, byte for byte.
void write_text_atomically(const std::string& path, const std::string& text);

/// The temporary name write_file_atomically uses for `path` in this process.
std::string atomic_temp_path(const std::string& path);

}  // namespace tessera
