// A small RAII layer over the HDF5 C API for writing result files (reading them back is
// h5_reader.h). It writes only what the result layouts need -- groups, scalar and string
// attributes, 1-D columns and row tables -- and always the same bytes for the same calls:
//  - object modification/creation times are not recorded (H5Pset_obj_track_times false), so two
//    runs with the same inputs give byte-identical files;
//  - by default attributes, and the links of groups below the root, track creation order, so
//    h5py lists them in the order written; a file created with track_creation_order false
//    keeps HDF5's default layout instead (h5py lists names alphabetically), for the formats
//    that were defined that way (traces, TCO files);
//  - strings are UTF-8; attributes and 1-D string columns use variable-length strings (h5py
//    returns `str` for attributes, use `.asstr()` on datasets); table string fields are
//    fixed-length, null-padded (numpy `S` fields);
//  - numbers are little-endian IEEE doubles and 64-bit signed integers.
// Every failure throws tessera::Error naming the object and HDF5's own reason; nothing is
// printed on stderr.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include <hdf5.h>

namespace tessera::h5 {

/// Owns one HDF5 identifier (file, group, dataset, dataspace, type, property list, attribute).
class Handle {
 public:
  using Closer = herr_t (*)(hid_t);
  Handle() = default;
  Handle(hid_t id, Closer closer) : id_(id), closer_(closer) {}
  Handle(Handle&& o) noexcept : id_(o.id_), closer_(o.closer_) { o.id_ = H5I_INVALID_HID; }
  Handle& operator=(Handle&& o) noexcept;
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  ~Handle() { reset(); }

  hid_t id() const { return id_; }
  operator hid_t() const { return id_; }  // NOLINT: lets a Handle go where hid_t is expected
  /// Closes now; returns false when HDF5 reports an error while closing.
  bool reset();

 private:
  hid_t id_ = H5I_INVALID_HID;
  Closer closer_ = nullptr;
};

struct FileOptions {
  /// Groups and objects record the order their members were written (see the top).
  bool track_creation_order = true;
};

struct FileImage;  // the file in memory, in h5_file.cpp

/// A new (truncated) HDF5 file with the deterministic settings above.
///
/// HDF5 builds the file in memory (its "core" driver, without backing store) and close() writes
/// the closed file's bytes to `path` itself. HDF5 1.10 cannot recover from a write of its own
/// that fails (a full disk, a file size limit): the failed close frees the file but keeps its
/// identifier, and the library's clean-up at exit then crashes on it (SIGSEGV after the error
/// was reported). Written this way a full disk is an ordinary write error, which HDF5 never sees.
class H5File {
 public:
  /// Creates `path`, replacing any file there. Usually called with the temporary path that
  /// write_file_atomically hands out.
  static H5File create(const std::string& path);
  static H5File create(const std::string& path, const FileOptions& options);
  H5File(H5File&& o) noexcept;
  H5File& operator=(H5File&&) = delete;
  ~H5File();

  hid_t id() const { return file_; }
  /// The root group ("/"), to pass to the writers below.
  hid_t root() const { return file_; }
  /// Writes the file to its path and closes it, throwing on failure (naming the path and the
  /// operating system's reason). The destructor closes quietly if not done (the file at the path
  /// stays empty).
  void close();

 private:
  H5File(Handle f, std::string path, int fd, std::unique_ptr<FileImage> image);
  std::unique_ptr<FileImage> image_;  // declared first: the driver frees into it
  Handle file_;
  std::string path_;
  int fd_ = -1;  // `path`, opened by create(); close() writes the image there
};

/// Creates group `name` under `parent` (a file or group).
Handle create_group(hid_t parent, const std::string& name);

/// Scalar attributes on a file, group or dataset. An existing attribute of that name is replaced.
void write_string_attribute(hid_t object, const std::string& name, const std::string& value);
void write_double_attribute(hid_t object, const std::string& name, double value);
void write_int_attribute(hid_t object, const std::string& name, std::int64_t value);
/// A 32-bit integer attribute, for formats that state a version as a C int.
void write_int32_attribute(hid_t object, const std::string& name, std::int32_t value);
/// A 1-D attribute of variable-length strings (h5py: numpy object array of str).
void write_string_list_attribute(hid_t object, const std::string& name,
                                 const std::vector<std::string>& values);

/// 1-D column datasets. A non-empty `unit` is stored as the dataset's "unit" attribute.
void write_double_column(hid_t parent, const std::string& name, const std::vector<double>& values,
                         const std::string& unit = "");
void write_int_column(hid_t parent, const std::string& name,
                      const std::vector<std::int64_t>& values, const std::string& unit = "");
void write_string_column(hid_t parent, const std::string& name,
                         const std::vector<std::string>& values);

struct ColumnOptions {
  /// Chunked (up to 65536 rows a chunk), byte-shuffled and deflated (level 4) when the column
  /// has rows and the HDF5 build has deflate; for long columns with repeating values.
  bool compress = false;
};
/// A 1-D column of any of these element types, stored little-endian: std::uint8_t,
/// std::int32_t, std::uint32_t, std::int64_t, std::uint64_t, double.
template <class T>
void write_column(hid_t parent, const std::string& name, const std::vector<T>& values,
                  const ColumnOptions& options = {});
/// A 1-D column of fixed-length strings as wide as the longest value (at least 1),
/// null-padded: compresses far better than variable-length strings (numpy `S` dtype).
void write_fixed_string_column(hid_t parent, const std::string& name,
                               const std::vector<std::string>& values,
                               const ColumnOptions& options = {});

/// Named, equal-length columns written as one compound dataset: one row per element, one field
/// per column, in the order added (h5py: a numpy structured array). The dataset carries a
/// "units" attribute, a string list parallel to the fields ("" where a column has no unit).
class Table {
 public:
  using Values = std::variant<std::vector<double>, std::vector<std::int64_t>,
                              std::vector<std::string>>;
  struct Column {
    std::string name;
    std::string unit;
    Values values;
  };

  /// Each throws std::invalid_argument when the name repeats or the length differs from the
  /// columns already added.
  Table& add_doubles(std::string name, std::vector<double> values, std::string unit = "");
  Table& add_ints(std::string name, std::vector<std::int64_t> values, std::string unit = "");
  Table& add_strings(std::string name, std::vector<std::string> values);

  std::size_t rows() const { return rows_; }
  const std::vector<Column>& columns() const { return columns_; }

 private:
  void add(Column c, std::size_t n);
  std::vector<Column> columns_;
  std::size_t rows_ = 0;
};

/// Writes `table` as compound dataset `name` under `parent`. A table with no columns is
/// rejected (std::invalid_argument); zero rows is fine.
void write_table(hid_t parent, const std::string& name, const Table& table);

/// HDF5's own reason for the failure just reported (its innermost error message), clearing
/// the error stack. For code that turns an HDF5 failure into a tessera::Error.
std::string take_error_reason();
/// The path of `object` in its file ("/" for the root), for messages; "?" when unknown.
std::string object_path(hid_t object);
/// The path of `name` under `parent`, for messages.
std::string child_path(hid_t parent, const std::string& name);

}  // namespace tessera::h5
