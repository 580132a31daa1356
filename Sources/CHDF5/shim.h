#pragma once
// HDF5's type and property-list constants are macros that call H5open()
// (H5T_NATIVE_FLOAT is `(H5OPEN H5T_NATIVE_FLOAT_g)`), and a few calls are
// renamed by macro between library versions, so Swift sees neither; these
// wrappers hand them over as plain functions. Debian puts the headers under
// hdf5/serial; pkg-config's `hdf5` adds that folder.
#include <hdf5.h>

static inline hid_t chdf5_default(void) { return H5P_DEFAULT; }
static inline hid_t chdf5_all(void) { return H5S_ALL; }
static inline hid_t chdf5_file_access(void) { return H5P_FILE_ACCESS; }
static inline hid_t chdf5_link_create(void) { return H5P_LINK_CREATE; }
static inline hid_t chdf5_native_float(void) { return H5T_NATIVE_FLOAT; }
static inline hid_t chdf5_native_double(void) { return H5T_NATIVE_DOUBLE; }
static inline hid_t chdf5_native_llong(void) { return H5T_NATIVE_LLONG; }
static inline hid_t chdf5_ieee_f32le(void) { return H5T_IEEE_F32LE; }
static inline hid_t chdf5_ieee_f64le(void) { return H5T_IEEE_F64LE; }
static inline hid_t chdf5_std_i64le(void) { return H5T_STD_I64LE; }
static inline hid_t chdf5_std_i32le(void) { return H5T_STD_I32LE; }
static inline hid_t chdf5_c_s1(void) { return H5T_C_S1; }
static inline size_t chdf5_variable(void) { return H5T_VARIABLE; }
static inline unsigned chdf5_acc_rdonly(void) { return H5F_ACC_RDONLY; }
static inline unsigned chdf5_acc_trunc(void) { return H5F_ACC_TRUNC; }

/// Stops HDF5 printing its error stack to stderr. The stack is kept per
/// thread in a thread-safe build, so every thread that calls HDF5 says it.
static inline void chdf5_quiet(void) { H5Eset_auto2(H5E_DEFAULT, NULL, NULL); }

/// 1 when `name` under `loc` is a hard link (not a soft or external link,
/// which could lead outside the file), 0 when it is another kind, -1 when
/// there is no such link or it cannot be read.
static inline int chdf5_is_hard_link(hid_t loc, const char *name) {
  if (H5Lexists(loc, name, H5P_DEFAULT) <= 0) return -1;
#if H5_VERSION_GE(1, 12, 0)
  H5L_info2_t info;
  if (H5Lget_info2(loc, name, &info, H5P_DEFAULT) < 0) return -1;
#else
  H5L_info_t info;
  if (H5Lget_info(loc, name, &info, H5P_DEFAULT) < 0) return -1;
#endif
  return info.type == H5L_TYPE_HARD ? 1 : 0;
}

/// The kind of object `name` names: 0 a group, 1 a dataset, 2 anything
/// else, -1 when it cannot be read.
static inline int chdf5_object_kind(hid_t loc, const char *name) {
#if H5_VERSION_GE(1, 12, 0)
  H5O_info2_t info;
  if (H5Oget_info_by_name3(loc, name, &info, H5O_INFO_BASIC, H5P_DEFAULT) < 0) return -1;
#else
  H5O_info_t info;
  if (H5Oget_info_by_name2(loc, name, &info, H5O_INFO_BASIC, H5P_DEFAULT) < 0) return -1;
#endif
  if (info.type == H5O_TYPE_GROUP) return 0;
  if (info.type == H5O_TYPE_DATASET) return 1;
  return 2;
}

/// 1 when a dataset's raw data lives in this file (contiguous, chunked or
/// compact storage, no external files), 0 when it does not, -1 on error.
/// External and virtual storage would read other files on the disk.
static inline int chdf5_dataset_is_internal(hid_t dataset) {
  hid_t plist = H5Dget_create_plist(dataset);
  if (plist < 0) return -1;
  H5D_layout_t layout = H5Pget_layout(plist);
  int external = H5Pget_external_count(plist);
  H5Pclose(plist);
  if (layout < 0 || external < 0) return -1;
  if (external > 0) return 0;
  return (layout == H5D_CONTIGUOUS || layout == H5D_CHUNKED || layout == H5D_COMPACT) ? 1 : 0;
}

/// Frees what reading variable-length strings allocated.
// Objects open in every file (H5F_OBJ_ALL is a macro of macros).
static inline ssize_t chdf5_open_objects(void) {
  return H5Fget_obj_count((hid_t)H5F_OBJ_ALL, H5F_OBJ_ALL);
}

static inline herr_t chdf5_reclaim(hid_t type, hid_t space, void *buffer) {
#if H5_VERSION_GE(1, 12, 0)
  return H5Treclaim(type, space, H5P_DEFAULT, buffer);
#else
  return H5Dvlen_reclaim(type, space, H5P_DEFAULT, buffer);
#endif
}
