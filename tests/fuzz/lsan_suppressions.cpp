// Linked into every fuzz program. Debian's libhdf5 1.10 leaks one metadata-cache entry when
// H5Dopen2 meets a damaged object header (the allocation is H5O_protect's, under H5O_obj_type,
// inside the library; seen with valgrind as well): suppressed by that frame only, so a handle
// Tessera forgets to close (allocated elsewhere) is still reported.
extern "C" const char* __lsan_default_suppressions() { return "leak:H5O_obj_type\n"; }
