// Reading HDF5 files back: the counterpart of h5_file.h for the readers of traces and result
// files. It reads what the writer writes -- scalar and string attributes, 1-D numeric and
// string columns, row tables -- converting numbers to the type asked for, as HDF5 does.
// Every failure throws tessera::Error that starts with the file's name and says which object
// was expected to be what, e.g. "t.h5: HDF5 dataset '/ops/id' is missing"; nothing is
// printed on stderr. Callers check existence first where they have a more useful message
// (which command writes the file, say).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/io/h5_file.h"

namespace tessera::h5 {

/// An existing HDF5 file opened read-only.
class H5Reader {
 public:
  /// Throws Error "<path>: cannot open as HDF5 (<HDF5's reason>)" when the file is missing or
  /// not HDF5.
  static H5Reader open(const std::string& path);

  const std::string& path() const { return path_; }
  /// The root group ("/"), to pass to the readers below.
  hid_t root() const { return file_; }

 private:
  H5Reader(Handle f, std::string path) : file_(std::move(f)), path_(std::move(path)) {}
  Handle file_;
  std::string path_;
};

/// Whether `name` (a path relative to `parent`, e.g. "summary" or "ops/id") names an object.
bool exists(hid_t parent, const std::string& name);
/// Whether `object` carries attribute `name`.
bool has_attribute(hid_t object, const std::string& name);

/// Opens group / dataset `name` under `parent`; throws when it is missing or another kind of
/// object.
Handle open_group(hid_t parent, const std::string& name);
Handle open_dataset(hid_t parent, const std::string& name);

/// Scalar attributes. The number readers accept any integer or float attribute holding one
/// value; the string reader any string attribute (variable or fixed length).
std::string read_string_attribute(hid_t object, const std::string& name);
double read_double_attribute(hid_t object, const std::string& name);
std::int64_t read_int_attribute(hid_t object, const std::string& name);

/// A dataset holding exactly one number (scalar, or one element of any shape).
double read_double_dataset(hid_t parent, const std::string& name);

/// The number of rows of 1-D dataset `name`; throws when it is not one-dimensional.
std::size_t column_rows(hid_t parent, const std::string& name);
/// A 1-D numeric column converted to T (the element types of write_column). With
/// `expected_rows` set, a column of another length is an error.
template <class T>
std::vector<T> read_column(hid_t parent, const std::string& name, std::size_t expected_rows);
template <class T>
std::vector<T> read_column(hid_t parent, const std::string& name);
/// A 1-D string column, fixed or variable length (fixed-length values lose their padding).
std::vector<std::string> read_string_column(hid_t parent, const std::string& name);
std::vector<std::string> read_string_column(hid_t parent, const std::string& name,
                                            std::size_t expected_rows);

/// A row table as write_table writes it: one column per compound field, in field order;
/// integer fields read as int64, float fields as double, string fields as strings, and the
/// units from the "units" attribute when present.
Table read_table(hid_t parent, const std::string& name);

}  // namespace tessera::h5
