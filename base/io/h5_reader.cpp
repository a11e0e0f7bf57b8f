#include "base/io/h5_reader.h"

#include <cstring>

#include <fmt/core.h>

#include "base/io/hdf5_quiet.h"
#include "base/types.h"

namespace tessera::h5 {

namespace {

std::string file_name(hid_t object) {
  ssize_t n = H5Fget_name(object, nullptr, 0);
  if (n <= 0) return "?";
  std::string s(static_cast<std::size_t>(n) + 1, '\0');
  H5Fget_name(object, s.data(), s.size());
  s.resize(static_cast<std::size_t>(n));
  return s;
}

/// Throws "<file>: HDF5 <what>", the file taken from `at`.
[[noreturn]] void fail(hid_t at, const std::string& what) {
  H5Eclear2(H5E_DEFAULT);
  throw Error(fmt::format("{}: HDF5 {}", file_name(at), what));
}

std::string attribute_label(hid_t object, const std::string& name) {
  return fmt::format("attribute '{}' on '{}'", name, object_path(object));
}

Handle open_attribute(hid_t object, const std::string& name) {
  if (!has_attribute(object, name)) fail(object, attribute_label(object, name) + " is missing");
  Handle attr(H5Aopen(object, name.c_str(), H5P_DEFAULT), H5Aclose);
  if (attr.id() < 0) fail(object, "cannot open " + attribute_label(object, name));
  return attr;
}

H5T_class_t type_class(hid_t type) { return H5Tget_class(type); }
bool is_number(H5T_class_t c) { return c == H5T_INTEGER || c == H5T_FLOAT; }

template <class T>
T read_number_attribute(hid_t object, const std::string& name, hid_t mem_type) {
  Handle attr = open_attribute(object, name);
  Handle space(H5Aget_space(attr), H5Sclose);
  Handle type(H5Aget_type(attr), H5Tclose);
  if (space.id() < 0 || type.id() < 0 || H5Sget_simple_extent_npoints(space) != 1 ||
      !is_number(type_class(type)))
    fail(object, attribute_label(object, name) + " is not a single number");
  T v{};
  if (H5Aread(attr, mem_type, &v) < 0) fail(object, "cannot read " + attribute_label(object, name));
  return v;
}

/// Reads `n` strings of a string type (fixed or variable length) with `read(mem_type, buf)`.
template <class Read>
std::vector<std::string> read_strings(hid_t file_type, hid_t space, std::size_t n, Read read) {
  std::vector<std::string> out(n);
  if (n == 0) return out;
  Handle mem_type(H5Tcopy(file_type), H5Tclose);
  if (H5Tis_variable_str(file_type) > 0) {
    std::vector<char*> ptrs(n, nullptr);
    const bool ok = read(mem_type.id(), ptrs.data());
    for (std::size_t i = 0; i < n; ++i)
      if (ptrs[i]) out[i] = ptrs[i];
    // Freed one by one: a read that failed half-way (a damaged file) has filled some of them.
    for (char* p : ptrs)
      if (p) H5free_memory(p);
    if (!ok) return {};
    return out;
  }
  const std::size_t width = H5Tget_size(file_type);
  std::vector<char> buf(n * width);
  if (!read(mem_type.id(), buf.data())) return {};
  for (std::size_t i = 0; i < n; ++i) {
    const char* p = buf.data() + i * width;
    out[i].assign(p, strnlen(p, width));
  }
  return out;
}

template <class T> hid_t native_type();
template <> hid_t native_type<std::uint8_t>() { return H5T_NATIVE_UINT8; }
template <> hid_t native_type<std::int32_t>() { return H5T_NATIVE_INT32; }
template <> hid_t native_type<std::uint32_t>() { return H5T_NATIVE_UINT32; }
template <> hid_t native_type<std::int64_t>() { return H5T_NATIVE_INT64; }
template <> hid_t native_type<std::uint64_t>() { return H5T_NATIVE_UINT64; }
template <> hid_t native_type<double>() { return H5T_NATIVE_DOUBLE; }

/// Opens 1-D dataset `name`, checking its length when `expected_rows` is given.
Handle open_column(hid_t parent, const std::string& name, const std::size_t* expected_rows,
                   std::size_t& rows) {
  Handle ds = open_dataset(parent, name);
  Handle space(H5Dget_space(ds), H5Sclose);
  hsize_t dims = 0;
  const bool one_d = space.id() >= 0 && H5Sget_simple_extent_ndims(space) == 1 &&
                     H5Sget_simple_extent_dims(space, &dims, nullptr) >= 0;
  if (!one_d || (expected_rows && dims != *expected_rows)) {
    if (expected_rows)
      fail(parent, fmt::format("dataset '{}' must be one-dimensional with {} rows",
                               child_path(parent, name), *expected_rows));
    fail(parent, fmt::format("dataset '{}' must be one-dimensional", child_path(parent, name)));
  }
  rows = static_cast<std::size_t>(dims);
  return ds;
}

template <class T>
std::vector<T> read_numbers(hid_t parent, const std::string& name, const std::size_t* expected_rows) {
  QuietHdf5 quiet;
  std::size_t rows = 0;
  Handle ds = open_column(parent, name, expected_rows, rows);
  Handle type(H5Dget_type(ds), H5Tclose);
  if (!is_number(type_class(type)))
    fail(parent, fmt::format("dataset '{}' must hold numbers", child_path(parent, name)));
  std::vector<T> data(rows);
  if (rows > 0 && H5Dread(ds, native_type<T>(), H5S_ALL, H5S_ALL, H5P_DEFAULT, data.data()) < 0)
    fail(parent, fmt::format("cannot read dataset '{}': {}", child_path(parent, name), take_error_reason()));
  return data;
}

std::vector<std::string> read_string_dataset(hid_t parent, const std::string& name,
                                             const std::size_t* expected_rows) {
  QuietHdf5 quiet;
  std::size_t rows = 0;
  Handle ds = open_column(parent, name, expected_rows, rows);
  Handle type(H5Dget_type(ds), H5Tclose);
  Handle space(H5Dget_space(ds), H5Sclose);
  if (type_class(type) != H5T_STRING)
    fail(parent, fmt::format("dataset '{}' must hold strings", child_path(parent, name)));
  bool ok = true;
  auto out = read_strings(type, space, rows, [&](hid_t mem_type, void* buf) {
    return ok = H5Dread(ds, mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) >= 0;
  });
  if (!ok) fail(parent, fmt::format("cannot read dataset '{}' as strings", child_path(parent, name)));
  return out;
}

}  // namespace

H5Reader H5Reader::open(const std::string& path) {
  QuietHdf5 quiet;
  hid_t f = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  if (f < 0) throw Error(fmt::format("{}: cannot open as HDF5 ({})", path, take_error_reason()));
  return H5Reader(Handle(f, H5Fclose), path);
}

bool exists(hid_t parent, const std::string& name) {
  QuietHdf5 quiet;
  // H5Lexists fails, rather than answering false, when a group on the way is missing: check
  // each step ("a", "a/b", ...).
  for (std::size_t end = name.find('/'); ; end = name.find('/', end + 1)) {
    const std::string prefix = name.substr(0, end);
    if (H5Lexists(parent, prefix.c_str(), H5P_DEFAULT) <= 0) {
      H5Eclear2(H5E_DEFAULT);
      return false;
    }
    if (end == std::string::npos) return true;
  }
}

bool has_attribute(hid_t object, const std::string& name) {
  QuietHdf5 quiet;
  htri_t yes = H5Aexists(object, name.c_str());
  if (yes < 0) H5Eclear2(H5E_DEFAULT);
  return yes > 0;
}

Handle open_group(hid_t parent, const std::string& name) {
  QuietHdf5 quiet;
  if (!exists(parent, name)) fail(parent, fmt::format("group '{}' is missing", child_path(parent, name)));
  Handle g(H5Gopen2(parent, name.c_str(), H5P_DEFAULT), H5Gclose);
  if (g.id() < 0) fail(parent, fmt::format("'{}' is not a group", child_path(parent, name)));
  return g;
}

Handle open_dataset(hid_t parent, const std::string& name) {
  QuietHdf5 quiet;
  if (!exists(parent, name)) fail(parent, fmt::format("dataset '{}' is missing", child_path(parent, name)));
  Handle ds(H5Dopen2(parent, name.c_str(), H5P_DEFAULT), H5Dclose);
  if (ds.id() < 0) fail(parent, fmt::format("'{}' is not a dataset", child_path(parent, name)));
  return ds;
}

std::string read_string_attribute(hid_t object, const std::string& name) {
  QuietHdf5 quiet;
  Handle attr = open_attribute(object, name);
  Handle type(H5Aget_type(attr), H5Tclose);
  Handle space(H5Aget_space(attr), H5Sclose);
  if (type.id() < 0 || type_class(type) != H5T_STRING || H5Sget_simple_extent_npoints(space) != 1)
    fail(object, attribute_label(object, name) + " is not a string");
  bool ok = true;
  auto out = read_strings(type, space, 1, [&](hid_t mem_type, void* buf) {
    return ok = H5Aread(attr, mem_type, buf) >= 0;
  });
  if (!ok) fail(object, "cannot read " + attribute_label(object, name) + " as a string");
  return out[0];
}

double read_double_attribute(hid_t object, const std::string& name) {
  QuietHdf5 quiet;
  return read_number_attribute<double>(object, name, H5T_NATIVE_DOUBLE);
}

std::int64_t read_int_attribute(hid_t object, const std::string& name) {
  QuietHdf5 quiet;
  return read_number_attribute<std::int64_t>(object, name, H5T_NATIVE_INT64);
}

double read_double_dataset(hid_t parent, const std::string& name) {
  QuietHdf5 quiet;
  Handle ds = open_dataset(parent, name);
  Handle space(H5Dget_space(ds), H5Sclose);
  Handle type(H5Dget_type(ds), H5Tclose);
  if (space.id() < 0 || type.id() < 0 || H5Sget_simple_extent_npoints(space) != 1 ||
      !is_number(type_class(type)))
    fail(parent, fmt::format("dataset '{}' must hold a single number", child_path(parent, name)));
  double v = 0;
  if (H5Dread(ds, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, &v) < 0)
    fail(parent, fmt::format("cannot read dataset '{}'", child_path(parent, name)));
  return v;
}

std::size_t column_rows(hid_t parent, const std::string& name) {
  QuietHdf5 quiet;
  std::size_t rows = 0;
  open_column(parent, name, nullptr, rows);
  return rows;
}

template <class T>
std::vector<T> read_column(hid_t parent, const std::string& name, std::size_t expected_rows) {
  return read_numbers<T>(parent, name, &expected_rows);
}
template <class T>
std::vector<T> read_column(hid_t parent, const std::string& name) {
  return read_numbers<T>(parent, name, nullptr);
}
#define TESSERA_H5_READ_COLUMN(T)                                                        \
  template std::vector<T> read_column<T>(hid_t, const std::string&, std::size_t); \
  template std::vector<T> read_column<T>(hid_t, const std::string&);
TESSERA_H5_READ_COLUMN(std::uint8_t)
TESSERA_H5_READ_COLUMN(std::int32_t)
TESSERA_H5_READ_COLUMN(std::uint32_t)
TESSERA_H5_READ_COLUMN(std::int64_t)
TESSERA_H5_READ_COLUMN(std::uint64_t)
TESSERA_H5_READ_COLUMN(double)
#undef TESSERA_H5_READ_COLUMN

std::vector<std::string> read_string_column(hid_t parent, const std::string& name) {
  return read_string_dataset(parent, name, nullptr);
}

std::vector<std::string> read_string_column(hid_t parent, const std::string& name,
                                            std::size_t expected_rows) {
  return read_string_dataset(parent, name, &expected_rows);
}

Table read_table(hid_t parent, const std::string& name) {
  QuietHdf5 quiet;
  std::size_t rows = 0;
  Handle ds = open_column(parent, name, nullptr, rows);
  const std::string path = child_path(parent, name);
  Handle type(H5Dget_type(ds), H5Tclose);
  Handle space(H5Dget_space(ds), H5Sclose);
  if (type_class(type) != H5T_COMPOUND) fail(parent, fmt::format("dataset '{}' must be a table", path));

  std::vector<std::string> units;
  if (has_attribute(ds, "units")) {
    Handle attr = open_attribute(ds, "units");
    Handle utype(H5Aget_type(attr), H5Tclose);
    Handle uspace(H5Aget_space(attr), H5Sclose);
    if (type_class(utype) != H5T_STRING) fail(parent, attribute_label(ds, "units") + " is not a string list");
    const auto n = static_cast<std::size_t>(H5Sget_simple_extent_npoints(uspace));
    units = read_strings(utype, uspace, n, [&](hid_t mt, void* buf) { return H5Aread(attr, mt, buf) >= 0; });
  }

  // Each field is read on its own through a one-field memory type: HDF5 matches it by name.
  Table table;
  const int fields = H5Tget_nmembers(type);
  for (int i = 0; i < fields; ++i) {
    char* raw = H5Tget_member_name(type, static_cast<unsigned>(i));
    const std::string field = raw ? raw : "";
    H5free_memory(raw);
    const std::string unit = static_cast<std::size_t>(i) < units.size() ? units[i] : "";
    Handle ftype(H5Tget_member_type(type, static_cast<unsigned>(i)), H5Tclose);
    const std::string what = fmt::format("cannot read field '{}' of '{}'", field, path);
    auto read_into = [&](hid_t mem_field, std::size_t size, void* buf) {
      Handle mt(H5Tcreate(H5T_COMPOUND, size), H5Tclose);
      if (mt.id() < 0 || H5Tinsert(mt, field.c_str(), 0, mem_field) < 0 ||
          (rows > 0 && H5Dread(ds, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) < 0))
        fail(parent, what);
      return true;
    };
    switch (type_class(ftype)) {
      case H5T_INTEGER: {
        std::vector<std::int64_t> v(rows);
        read_into(H5T_NATIVE_INT64, sizeof(std::int64_t), v.data());
        table.add_ints(field, std::move(v), unit);
        break;
      }
      case H5T_FLOAT: {
        std::vector<double> v(rows);
        read_into(H5T_NATIVE_DOUBLE, sizeof(double), v.data());
        table.add_doubles(field, std::move(v), unit);
        break;
      }
      case H5T_STRING: {
        const std::size_t width = H5Tis_variable_str(ftype) > 0 ? sizeof(char*) : H5Tget_size(ftype);
        auto v = read_strings(ftype, space, rows, [&](hid_t mem_field, void* buf) {
          Handle mt(H5Tcreate(H5T_COMPOUND, width), H5Tclose);
          return mt.id() >= 0 && H5Tinsert(mt, field.c_str(), 0, mem_field) >= 0 &&
                 H5Dread(ds, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) >= 0;
        });
        if (v.size() != rows) fail(parent, what);
        table.add_strings(field, std::move(v));
        break;
      }
      default:
        fail(parent, fmt::format("field '{}' of '{}' is neither a number nor a string", field, path));
    }
  }
  return table;
}

}  // namespace tessera::h5
