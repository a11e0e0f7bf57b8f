#include "base/io/h5_file.h"

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <utility>

#include <fcntl.h>
#include <unistd.h>

#include <fmt/core.h>

#include "base/types.h"
#include "base/io/hdf5_quiet.h"

namespace tessera::h5 {

namespace {

// Attributes and links stay in the object header ("compact" storage) up to this many, instead
// of moving to a fractal heap; keeps the file layout simple and its bytes reproducible.
constexpr unsigned kMaxCompact = 65535;

// The in-memory file (see H5File) grows in steps of this many bytes.
constexpr std::size_t kImageIncrement = std::size_t(1) << 20;

herr_t collect_error(unsigned n, const H5E_error2_t* e, void* out) {
  auto* msg = static_cast<std::string*>(out);
  // Walking downward, the last entry is the innermost: the most specific reason.
  if (e->desc && *e->desc) *msg = e->desc;
  return 0;
}

}  // namespace

std::string object_path(hid_t object) {
  ssize_t n = H5Iget_name(object, nullptr, 0);
  if (n <= 0) return "?";
  std::string s(static_cast<std::size_t>(n) + 1, '\0');
  H5Iget_name(object, s.data(), s.size());
  s.resize(static_cast<std::size_t>(n));
  return s;
}

std::string child_path(hid_t parent, const std::string& name) {
  std::string p = object_path(parent);
  return p == "/" ? "/" + name : p + "/" + name;
}

std::string take_error_reason() {
  std::string msg;
  H5Ewalk2(H5E_DEFAULT, H5E_WALK_DOWNWARD, collect_error, &msg);
  H5Eclear2(H5E_DEFAULT);
  return msg.empty() ? "unknown HDF5 error" : msg;
}

namespace {

[[noreturn]] void fail(const std::string& what) {
  throw Error(fmt::format("HDF5: cannot {}: {}", what, take_error_reason()));
}

hid_t check_id(hid_t id, const std::string& what) {
  if (id < 0) fail(what);
  return id;
}

void check(herr_t rc, const std::string& what) {
  if (rc < 0) fail(what);
}

std::string object_name(hid_t obj) { return object_path(obj); }

Handle plist(hid_t cls) { return Handle(check_id(H5Pcreate(cls), "create a property list"), H5Pclose); }

/// Whether `object` (a file, group or dataset written here) tracks creation order: it does
/// exactly when its file was created with track_creation_order, so objects below follow it.
bool tracks_creation_order(hid_t object) {
  hid_t pl = H5I_INVALID_HID;
  switch (H5Iget_type(object)) {
    case H5I_FILE: pl = H5Fget_create_plist(object); break;
    case H5I_GROUP: pl = H5Gget_create_plist(object); break;
    case H5I_DATASET: pl = H5Dget_create_plist(object); break;
    default: return true;
  }
  Handle props(check_id(pl, "read the creation properties of '" + object_name(object) + "'"), H5Pclose);
  unsigned flags = 0;
  check(H5Pget_attr_creation_order(props, &flags), "read the attribute creation order");
  return flags != 0;
}

/// Settings shared by the file (root group), groups and datasets. Without creation order only
/// the time tracking is turned off; everything else stays HDF5's default.
void set_object_defaults(hid_t pl, bool is_group, bool track_order = true) {
  check(H5Pset_obj_track_times(pl, false), "disable object time tracking");
  if (!track_order) return;
  check(H5Pset_attr_creation_order(pl, H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED),
        "track attribute creation order");
  check(H5Pset_attr_phase_change(pl, kMaxCompact, 0), "set attribute storage");
  if (is_group) {
    check(H5Pset_link_creation_order(pl, H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED),
          "track link creation order");
    check(H5Pset_link_phase_change(pl, kMaxCompact, 0), "set link storage");
  }
}

Handle group_plist(bool track_order) {
  Handle pl = plist(H5P_GROUP_CREATE);
  set_object_defaults(pl, true, track_order);
  return pl;
}

Handle dataset_plist(bool track_order, hid_t file_type) {
  Handle pl = plist(H5P_DATASET_CREATE);
  set_object_defaults(pl, false, track_order);
  // Every element is written, so no fill value is needed; HDF5 requires one for
  // variable-length strings, though.
  if (track_order && H5Tis_variable_str(file_type) <= 0)
    check(H5Pset_fill_time(pl, H5D_FILL_TIME_NEVER), "set the fill time");
  return pl;
}

/// Link and attribute names: UTF-8, or HDF5's default (ASCII) in a file without creation
/// order, whose groups would otherwise be converted to the newer link format.
Handle name_plist(hid_t cls, bool track_order) {
  Handle pl = plist(cls);
  if (track_order) check(H5Pset_char_encoding(pl, H5T_CSET_UTF8), "set UTF-8 names");
  return pl;
}

Handle vlen_string_type() {
  Handle t(check_id(H5Tcopy(H5T_C_S1), "copy the string type"), H5Tclose);
  check(H5Tset_size(t, H5T_VARIABLE), "make a variable-length string type");
  check(H5Tset_cset(t, H5T_CSET_UTF8), "set UTF-8 strings");
  return t;
}

Handle fixed_string_type(std::size_t size) {
  Handle t(check_id(H5Tcopy(H5T_C_S1), "copy the string type"), H5Tclose);
  check(H5Tset_size(t, std::max<std::size_t>(size, 1)), "size a string type");
  check(H5Tset_strpad(t, H5T_STR_NULLPAD), "set string padding");
  check(H5Tset_cset(t, H5T_CSET_UTF8), "set UTF-8 strings");
  return t;
}

Handle scalar_space() {
  return Handle(check_id(H5Screate(H5S_SCALAR), "create a scalar dataspace"), H5Sclose);
}

Handle vector_space(std::size_t n) {
  hsize_t dims[1] = {static_cast<hsize_t>(n)};
  return Handle(check_id(H5Screate_simple(1, dims, nullptr), "create a dataspace"), H5Sclose);
}

/// Creates (replacing) attribute `name` on `object` and writes `data` of `mem_type`.
void put_attribute(hid_t object, const std::string& name, hid_t file_type, hid_t mem_type,
                   hid_t space, const void* data) {
  const std::string what = fmt::format("write attribute '{}' on '{}'", name, object_name(object));
  htri_t exists = H5Aexists(object, name.c_str());
  check(exists, what);
  if (exists > 0) check(H5Adelete(object, name.c_str()), what);
  Handle acpl = name_plist(H5P_ATTRIBUTE_CREATE, tracks_creation_order(object));
  Handle attr(check_id(H5Acreate2(object, name.c_str(), file_type, space, acpl, H5P_DEFAULT), what),
              H5Aclose);
  check(H5Awrite(attr, mem_type, data), what);
}

Handle create_dataset(hid_t parent, const std::string& name, hid_t file_type, hid_t space,
                      const ColumnOptions& options = {}, std::size_t rows = 0) {
  const bool track_order = tracks_creation_order(parent);
  Handle lcpl = name_plist(H5P_LINK_CREATE, track_order);
  Handle dcpl = dataset_plist(track_order, file_type);
  if (options.compress && rows > 0) {
    const hsize_t chunk = std::min<hsize_t>(rows, hsize_t{1} << 16);
    check(H5Pset_chunk(dcpl, 1, &chunk), "set the chunk size");
    if (H5Zfilter_avail(H5Z_FILTER_DEFLATE) > 0) {
      check(H5Pset_shuffle(dcpl), "set the shuffle filter");
      check(H5Pset_deflate(dcpl, 4), "set the deflate filter");
    }
  }
  return Handle(check_id(H5Dcreate2(parent, name.c_str(), file_type, space, lcpl, dcpl, H5P_DEFAULT),
                         "create dataset '" + child_path(parent, name) + "'"),
                H5Dclose);
}

void write_dataset(hid_t ds, hid_t mem_type, std::size_t n, const void* data, const std::string& path) {
  if (n == 0) return;
  check(H5Dwrite(ds, mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data), "write dataset '" + path + "'");
}

template <class T>
void write_numeric_column(hid_t parent, const std::string& name, const std::vector<T>& values,
                          const std::string& unit, hid_t file_type, hid_t mem_type,
                          const ColumnOptions& options = {}) {
  QuietHdf5 quiet;
  Handle space = vector_space(values.size());
  Handle ds = create_dataset(parent, name, file_type, space, options, values.size());
  write_dataset(ds, mem_type, values.size(), values.data(), child_path(parent, name));
  if (!unit.empty()) write_string_attribute(ds, "unit", unit);
}

}  // namespace

// ---------------------------------------------------------------------------------------------

Handle& Handle::operator=(Handle&& o) noexcept {
  if (this != &o) {
    reset();
    id_ = o.id_;
    closer_ = o.closer_;
    o.id_ = H5I_INVALID_HID;
  }
  return *this;
}

bool Handle::reset() {
  if (id_ < 0 || !closer_) return true;
  QuietHdf5 quiet;
  herr_t rc = closer_(id_);
  id_ = H5I_INVALID_HID;
  if (rc < 0) H5Eclear2(H5E_DEFAULT);
  return rc >= 0;
}

H5File H5File::create(const std::string& path) { return create(path, FileOptions{}); }

/// HDF5's in-memory file: the core driver allocates, grows and frees its buffer through the
/// callbacks below, which keep the buffer it frees when the file closes.
struct FileImage {
  void* data = nullptr;
  std::size_t size = 0;  // of the buffer the driver holds
  bool closed = false;   // `data` is the closed file's buffer
  ~FileImage() { std::free(data); }
};

namespace {

void* image_malloc(std::size_t size, H5FD_file_image_op_t, void* udata) {
  void* p = std::malloc(size);
  if (p) static_cast<FileImage*>(udata)->size = size;
  return p;
}
void* image_memcpy(void* dest, const void* src, std::size_t size, H5FD_file_image_op_t, void*) {
  return std::memcpy(dest, src, size);
}
void* image_realloc(void* ptr, std::size_t size, H5FD_file_image_op_t, void* udata) {
  void* p = std::realloc(ptr, size);
  if (p) static_cast<FileImage*>(udata)->size = size;
  return p;
}
herr_t image_free(void* ptr, H5FD_file_image_op_t op, void* udata) {
  auto* image = static_cast<FileImage*>(udata);
  if (op == H5FD_FILE_IMAGE_OP_FILE_CLOSE && !image->closed) {
    image->data = ptr;
    image->closed = true;
  } else {
    std::free(ptr);
  }
  return 0;
}
void* image_udata_copy(void* udata) { return udata; }  // one FileImage, owned by the H5File
herr_t image_udata_free(void*) { return 0; }

/// The closed file's length. The driver's buffer may run past it; the file ends at the end of
/// its allocated space, which the superblock records, and HDF5 itself reads that back: opened
/// read-only from the buffer, the file's image is as long as the file.
std::size_t closed_file_size(const FileImage& image, const std::string& path) {
  Handle fapl = plist(H5P_FILE_ACCESS);
  check(H5Pset_fapl_core(fapl, kImageIncrement, false), "keep the file in memory");
  check(H5Pset_file_image(fapl, image.data, image.size), "read the file image");
  // Under a name no file has: the driver refuses to open an image where a file exists.
  const std::string name = path + ".image-in-memory";
  Handle f(H5Fopen(name.c_str(), H5F_ACC_RDONLY, fapl), H5Fclose);
  const ssize_t size = f.id() < 0 ? -1 : H5Fget_file_image(f, nullptr, 0);
  if (size < 0 || std::size_t(size) > image.size) fail("read back '" + path + "' from memory");
  return std::size_t(size);
}

}  // namespace

H5File H5File::create(const std::string& path, const FileOptions& options) {
  QuietHdf5 quiet;
  Handle fcpl = plist(H5P_FILE_CREATE);
  set_object_defaults(fcpl, true, options.track_creation_order);
  Handle fapl = plist(H5P_FILE_ACCESS);
  check(H5Pset_fclose_degree(fapl, H5F_CLOSE_STRONG), "set the file close degree");
  check(H5Pset_fapl_core(fapl, kImageIncrement, false), "keep the file in memory");
  auto image = std::make_unique<FileImage>();
  H5FD_file_image_callbacks_t callbacks{image_malloc, image_memcpy,     image_realloc,
                                        image_free,   image_udata_copy, image_udata_free,
                                        image.get()};
  check(H5Pset_file_image_callbacks(fapl, &callbacks), "set the file image callbacks");
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    const int err = errno;
    throw Error(fmt::format("HDF5: cannot create '{}': {}", path, std::strerror(err)));
  }
  hid_t f = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, fcpl, fapl);
  if (f < 0) {
    ::close(fd);
    fail("create '" + path + "'");
  }
  return H5File(Handle(f, H5Fclose), path, fd, std::move(image));
}

H5File::H5File(Handle f, std::string path, int fd, std::unique_ptr<FileImage> image)
    : image_(std::move(image)), file_(std::move(f)), path_(std::move(path)), fd_(fd) {}

H5File::H5File(H5File&& o) noexcept
    : image_(std::move(o.image_)), file_(std::move(o.file_)), path_(std::move(o.path_)),
      fd_(std::exchange(o.fd_, -1)) {}

H5File::~H5File() {
  file_.reset();
  if (fd_ >= 0) ::close(fd_);
}

void H5File::close() {
  if (file_.id() < 0) return;
  QuietHdf5 quiet;
  // Closing finishes the file in memory and hands the driver's buffer to image_free.
  if (!file_.reset() || !image_->closed) throw Error(fmt::format("HDF5: cannot close '{}'", path_));
  const std::size_t size = closed_file_size(*image_, path_);
  const char* data = static_cast<const char*>(image_->data);
  const int fd = std::exchange(fd_, -1);
  for (std::size_t done = 0; done < size;) {
    const ssize_t n = ::write(fd, data + done, size - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const int err = n < 0 ? errno : EIO;
      ::close(fd);
      throw Error(fmt::format("cannot write '{}': {}", path_, std::strerror(err)));
    }
    done += std::size_t(n);
  }
  if (::close(fd) != 0) {
    const int err = errno;
    throw Error(fmt::format("cannot write '{}': {}", path_, std::strerror(err)));
  }
}

Handle create_group(hid_t parent, const std::string& name) {
  QuietHdf5 quiet;
  const bool track_order = tracks_creation_order(parent);
  Handle lcpl = name_plist(H5P_LINK_CREATE, track_order);
  Handle gcpl = group_plist(track_order);
  return Handle(check_id(H5Gcreate2(parent, name.c_str(), lcpl, gcpl, H5P_DEFAULT),
                         "create group '" + child_path(parent, name) + "'"),
                H5Gclose);
}

void write_string_attribute(hid_t object, const std::string& name, const std::string& value) {
  QuietHdf5 quiet;
  Handle type = vlen_string_type();
  Handle space = scalar_space();
  const char* p = value.c_str();
  put_attribute(object, name, type, type, space, &p);
}

void write_double_attribute(hid_t object, const std::string& name, double value) {
  QuietHdf5 quiet;
  Handle space = scalar_space();
  put_attribute(object, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, space, &value);
}

void write_int_attribute(hid_t object, const std::string& name, std::int64_t value) {
  QuietHdf5 quiet;
  Handle space = scalar_space();
  put_attribute(object, name, H5T_STD_I64LE, H5T_NATIVE_INT64, space, &value);
}

void write_int32_attribute(hid_t object, const std::string& name, std::int32_t value) {
  QuietHdf5 quiet;
  Handle space = scalar_space();
  put_attribute(object, name, H5T_STD_I32LE, H5T_NATIVE_INT32, space, &value);
}

void write_string_list_attribute(hid_t object, const std::string& name,
                                 const std::vector<std::string>& values) {
  QuietHdf5 quiet;
  Handle type = vlen_string_type();
  Handle space = vector_space(values.size());
  std::vector<const char*> ptrs;
  ptrs.reserve(values.size());
  for (const auto& v : values) ptrs.push_back(v.c_str());
  static const char* const kNone = "";
  put_attribute(object, name, type, type, space, ptrs.empty() ? &kNone : ptrs.data());
}

void write_double_column(hid_t parent, const std::string& name, const std::vector<double>& values,
                         const std::string& unit) {
  write_numeric_column(parent, name, values, unit, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE);
}

void write_int_column(hid_t parent, const std::string& name,
                      const std::vector<std::int64_t>& values, const std::string& unit) {
  write_numeric_column(parent, name, values, unit, H5T_STD_I64LE, H5T_NATIVE_INT64);
}

void write_string_column(hid_t parent, const std::string& name,
                         const std::vector<std::string>& values) {
  QuietHdf5 quiet;
  Handle type = vlen_string_type();
  Handle space = vector_space(values.size());
  Handle ds = create_dataset(parent, name, type, space);
  std::vector<const char*> ptrs;
  ptrs.reserve(values.size());
  for (const auto& v : values) ptrs.push_back(v.c_str());
  write_dataset(ds, type, ptrs.size(), ptrs.data(), child_path(parent, name));
}

namespace {

// File (little-endian) and memory types of the column element types.
struct ColumnTypes {
  hid_t file, mem;
};
template <class T> ColumnTypes column_types();
template <> ColumnTypes column_types<std::uint8_t>() { return {H5T_STD_U8LE, H5T_NATIVE_UINT8}; }
template <> ColumnTypes column_types<std::int32_t>() { return {H5T_STD_I32LE, H5T_NATIVE_INT32}; }
template <> ColumnTypes column_types<std::uint32_t>() { return {H5T_STD_U32LE, H5T_NATIVE_UINT32}; }
template <> ColumnTypes column_types<std::int64_t>() { return {H5T_STD_I64LE, H5T_NATIVE_INT64}; }
template <> ColumnTypes column_types<std::uint64_t>() { return {H5T_STD_U64LE, H5T_NATIVE_UINT64}; }
template <> ColumnTypes column_types<double>() { return {H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE}; }

}  // namespace

template <class T>
void write_column(hid_t parent, const std::string& name, const std::vector<T>& values,
                  const ColumnOptions& options) {
  const ColumnTypes types = column_types<T>();
  write_numeric_column(parent, name, values, "", types.file, types.mem, options);
}
#define TESSERA_H5_WRITE_COLUMN(T) \
  template void write_column(hid_t, const std::string&, const std::vector<T>&, const ColumnOptions&);
TESSERA_H5_WRITE_COLUMN(std::uint8_t)
TESSERA_H5_WRITE_COLUMN(std::int32_t)
TESSERA_H5_WRITE_COLUMN(std::uint32_t)
TESSERA_H5_WRITE_COLUMN(std::int64_t)
TESSERA_H5_WRITE_COLUMN(std::uint64_t)
TESSERA_H5_WRITE_COLUMN(double)
#undef TESSERA_H5_WRITE_COLUMN

void write_fixed_string_column(hid_t parent, const std::string& name,
                               const std::vector<std::string>& values, const ColumnOptions& options) {
  QuietHdf5 quiet;
  std::size_t width = 1;
  for (const auto& v : values) width = std::max(width, v.size());
  std::vector<char> buf(values.size() * width, '\0');
  for (std::size_t i = 0; i < values.size(); ++i)
    std::memcpy(buf.data() + i * width, values[i].data(), values[i].size());
  Handle type = fixed_string_type(width);
  Handle space = vector_space(values.size());
  Handle ds = create_dataset(parent, name, type, space, options, values.size());
  write_dataset(ds, type, values.size(), buf.data(), child_path(parent, name));
}

// ---------------------------------------------------------------------------------------------

void Table::add(Column c, std::size_t n) {
  for (const auto& existing : columns_)
    if (existing.name == c.name)
      throw std::invalid_argument("table column added twice: " + c.name);
  if (!columns_.empty() && n != rows_)
    throw std::invalid_argument(fmt::format("table column '{}' has {} rows, the table has {}",
                                            c.name, n, rows_));
  rows_ = n;
  columns_.push_back(std::move(c));
}

Table& Table::add_doubles(std::string name, std::vector<double> values, std::string unit) {
  std::size_t n = values.size();
  add(Column{std::move(name), std::move(unit), std::move(values)}, n);
  return *this;
}

Table& Table::add_ints(std::string name, std::vector<std::int64_t> values, std::string unit) {
  std::size_t n = values.size();
  add(Column{std::move(name), std::move(unit), std::move(values)}, n);
  return *this;
}

Table& Table::add_strings(std::string name, std::vector<std::string> values) {
  std::size_t n = values.size();
  add(Column{std::move(name), "", std::move(values)}, n);
  return *this;
}

void write_table(hid_t parent, const std::string& name, const Table& table) {
  if (table.columns().empty())
    throw std::invalid_argument("table '" + name + "' has no columns");
  QuietHdf5 quiet;
  const std::string path = child_path(parent, name);

  // Packed row layout: the same offsets in memory and in the file, no padding bytes.
  struct Field {
    std::size_t offset, size;
    Handle string_type;  // only for string columns
  };
  std::vector<Field> fields;
  std::size_t row_size = 0;
  for (const auto& c : table.columns()) {
    Field f{row_size, 8, Handle()};
    if (const auto* s = std::get_if<std::vector<std::string>>(&c.values)) {
      std::size_t longest = 1;
      for (const auto& v : *s) longest = std::max(longest, v.size());
      f.size = longest;
      f.string_type = fixed_string_type(longest);
    }
    row_size += f.size;
    fields.push_back(std::move(f));
  }

  Handle mem_type(check_id(H5Tcreate(H5T_COMPOUND, row_size), "create a compound type"), H5Tclose);
  Handle file_type(check_id(H5Tcreate(H5T_COMPOUND, row_size), "create a compound type"), H5Tclose);
  std::vector<unsigned char> buf(table.rows() * row_size, 0);
  for (std::size_t i = 0; i < fields.size(); ++i) {
    const auto& c = table.columns()[i];
    const Field& f = fields[i];
    const std::string what = fmt::format("add field '{}' to '{}'", c.name, path);
    hid_t mt = -1, ft = -1;
    std::visit(
        [&](const auto& vals) {
          using V = typename std::decay_t<decltype(vals)>::value_type;
          for (std::size_t r = 0; r < vals.size(); ++r) {
            unsigned char* dst = buf.data() + r * row_size + f.offset;
            if constexpr (std::is_same_v<V, std::string>) {
              std::memcpy(dst, vals[r].data(), vals[r].size());
            } else {
              std::memcpy(dst, &vals[r], sizeof(V));
            }
          }
          if constexpr (std::is_same_v<V, double>) {
            mt = H5T_NATIVE_DOUBLE;
            ft = H5T_IEEE_F64LE;
          } else if constexpr (std::is_same_v<V, std::int64_t>) {
            mt = H5T_NATIVE_INT64;
            ft = H5T_STD_I64LE;
          } else {
            mt = ft = f.string_type.id();
          }
        },
        c.values);
    check(H5Tinsert(mem_type, c.name.c_str(), f.offset, mt), what);
    check(H5Tinsert(file_type, c.name.c_str(), f.offset, ft), what);
  }

  Handle space = vector_space(table.rows());
  Handle ds = create_dataset(parent, name, file_type, space);
  write_dataset(ds, mem_type, table.rows(), buf.data(), path);
  std::vector<std::string> units;
  for (const auto& c : table.columns()) units.push_back(c.unit);
  write_string_list_attribute(ds, "units", units);
}

}  // namespace tessera::h5
