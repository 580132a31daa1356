// The check LayerLab runs on every HDF5 file before reading it: the same
// library calls the reader makes (Engine/Files/HDF5.swift), on every object
// the file holds, in a forked child that may crash in its place. libhdf5
// 1.10 can crash on some corrupt files (a damaged global heap behind
// variable-length text ends in a segmentation fault inside H5HG_read).
//
// It is C on purpose: after fork() in a multi-threaded process the child
// may only rely on what no other thread could have been holding. The child
// calls only this file: libhdf5 (the parent holds LayerLab's HDF5 lock
// across the fork, so no thread was inside the library, and the serial
// library has no threads or locks of its own), malloc (glibc's fork()
// takes and resets malloc's locks around the fork, so the child's heap is
// consistent), and async-signal-safe calls (signal, open, dup2, close,
// write, sleep, _exit). No Swift runtime, Foundation or stdio: any lock
// another thread held when the process forked stays held in the child.
#pragma once

#include <fcntl.h>
#include <hdf5.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "shim.h"

/// What the probe found: it read everything (whatever the library said
/// about each object), or the file holds more than it checks.
enum { CHDF5_PROBE_DONE = 0, CHDF5_PROBE_TOO_BIG = 2 };

/// Limits as the reader's (HDF5.swift): members per group and attribute
/// size; at most this many values are read at once, and this many objects
/// and levels visited (hard links can make a group its own descendant).
enum {
  CHDF5_PROBE_MAX_CHILDREN = 100000,
  CHDF5_PROBE_MAX_ATTRIBUTE = 64 << 20,
  CHDF5_PROBE_BLOCK = 16 << 20,
  CHDF5_PROBE_MAX_OBJECTS = 200000,
  CHDF5_PROBE_MAX_DEPTH = 32,
};

/// Reads one attribute as HDF5Group.attribute does.
static inline int chdf5_probe_attribute(hid_t object, const char *name) {
  if (H5Aexists(object, name) <= 0) return CHDF5_PROBE_DONE;
  hid_t attribute = H5Aopen(object, name, H5P_DEFAULT);
  if (attribute < 0) return CHDF5_PROBE_DONE;
  int result = CHDF5_PROBE_DONE;
  hid_t type = H5Aget_type(attribute);
  hid_t space = H5Aget_space(attribute);
  hssize_t points = space >= 0 ? H5Sget_simple_extent_npoints(space) : -1;
  if (type >= 0 && points > 0 && points <= CHDF5_PROBE_MAX_ATTRIBUTE) {
    size_t count = (size_t)points;
    H5T_class_t kind = H5Tget_class(type);
    if (kind == H5T_STRING && H5Tis_variable_str(type) > 0) {
      hid_t memory = H5Tcopy(H5T_C_S1);
      char **pointers = calloc(count, sizeof(char *));
      if (memory >= 0 && pointers && H5Tset_size(memory, H5T_VARIABLE) >= 0
          && H5Tset_cset(memory, H5Tget_cset(type)) >= 0
          && H5Aread(attribute, memory, pointers) >= 0) {
        size_t total = 0;
        for (size_t i = 0; i < count && total <= CHDF5_PROBE_MAX_ATTRIBUTE; i++) {
          if (pointers[i]) total += strnlen(pointers[i], CHDF5_PROBE_MAX_ATTRIBUTE);
        }
        chdf5_reclaim(memory, space, pointers);
      }
      free(pointers);
      if (memory >= 0) H5Tclose(memory);
    } else if (kind == H5T_STRING) {
      size_t size = H5Tget_size(type);
      if (size > 0 && count <= CHDF5_PROBE_MAX_ATTRIBUTE / size) {
        hid_t memory = H5Tcopy(type);
        void *buffer = malloc(size * count);
        if (memory >= 0 && buffer) H5Aread(attribute, memory, buffer);
        free(buffer);
        if (memory >= 0) H5Tclose(memory);
      }
    } else if (kind == H5T_FLOAT || kind == H5T_INTEGER) {
      double *values = malloc(count * sizeof(double));
      if (values) H5Aread(attribute, H5T_NATIVE_DOUBLE, values);
      free(values);
    }
  }
  if (space >= 0) H5Sclose(space);
  if (type >= 0) H5Tclose(type);
  H5Aclose(attribute);
  return result;
}

/// Every attribute of `object`, by name as the reader looks them up.
static inline int chdf5_probe_attributes(hid_t object) {
  // A name that is not there walks the lookup the reader's H5Aexists takes.
  H5Aexists(object, "layerlab-probe");
  for (hsize_t index = 0;; index++) {
    if (index >= CHDF5_PROBE_MAX_CHILDREN) return CHDF5_PROBE_TOO_BIG;
    ssize_t length =
        H5Aget_name_by_idx(object, ".", H5_INDEX_NAME, H5_ITER_INC, index, NULL, 0, H5P_DEFAULT);
    if (length < 0) return CHDF5_PROBE_DONE;
    if (length >= 65536) continue;
    // On the heap: the child runs on the forking thread's stack, which may be small.
    char *name = malloc((size_t)length + 1);
    if (!name) continue;
    int result = CHDF5_PROBE_DONE;
    if (H5Aget_name_by_idx(object, ".", H5_INDEX_NAME, H5_ITER_INC, index, name,
                           (size_t)length + 1, H5P_DEFAULT) >= 0) {
      result = chdf5_probe_attribute(object, name);
    }
    free(name);
    if (result != CHDF5_PROBE_DONE) return result;
  }
}

/// Reads a dataset's numbers as float32, as HDF5Group.floats does, a block
/// of rows at a time.
static inline int chdf5_probe_dataset(hid_t dataset) {
  if (chdf5_dataset_is_internal(dataset) != 1) return CHDF5_PROBE_DONE;
  int result = CHDF5_PROBE_DONE;
  hid_t type = H5Dget_type(dataset);
  hid_t space = H5Dget_space(dataset);
  int rank = space >= 0 ? H5Sget_simple_extent_ndims(space) : -1;
  H5T_class_t kind = type >= 0 ? H5Tget_class(type) : H5T_NO_CLASS;
  if (rank >= 0 && rank <= 8 && (kind == H5T_FLOAT || kind == H5T_INTEGER)) {
    hsize_t dims[8] = {0};
    H5Sget_simple_extent_dims(space, dims, NULL);
    hsize_t row = 1;
    for (int i = 1; i < rank; i++) {
      if (dims[i] != 0 && row > CHDF5_PROBE_BLOCK / dims[i]) {
        row = CHDF5_PROBE_BLOCK + 1;
        break;
      }
      row *= dims[i];
    }
    hsize_t rows = rank == 0 ? 1 : dims[0];
    if (row > CHDF5_PROBE_BLOCK) {
      result = CHDF5_PROBE_TOO_BIG;
    } else if (row > 0 && rows > 0) {
      hsize_t step = CHDF5_PROBE_BLOCK / row;
      float *values = malloc((size_t)(step < rows ? step : rows) * row * sizeof(float));
      for (hsize_t start = 0; values && start < rows; start += step) {
        hsize_t take = rows - start < step ? rows - start : step;
        if (rank == 0) {
          H5Dread(dataset, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, values);
          break;
        }
        hsize_t offset[8] = {0}, count[8];
        offset[0] = start;
        count[0] = take;
        for (int i = 1; i < rank; i++) count[i] = dims[i];
        hsize_t flat = take * row;
        hid_t memory = H5Screate_simple(1, &flat, NULL);
        if (memory >= 0
            && H5Sselect_hyperslab(space, H5S_SELECT_SET, offset, NULL, count, NULL) >= 0) {
          H5Dread(dataset, H5T_NATIVE_FLOAT, memory, space, H5P_DEFAULT, values);
        }
        if (memory >= 0) H5Sclose(memory);
      }
      free(values);
    }
  }
  if (space >= 0) H5Sclose(space);
  if (type >= 0) H5Tclose(type);
  return result;
}

/// A group's attributes, then every member reached by a hard link, as the
/// reader opens them (groups below `depth` levels are left alone).
static inline int chdf5_probe_group(hid_t group, int depth, long *visited) {
  int result = chdf5_probe_attributes(group);
  if (result != CHDF5_PROBE_DONE) return result;
  H5Lexists(group, "layerlab-probe", H5P_DEFAULT);
  H5G_info_t info;
  if (H5Gget_info(group, &info) < 0) return CHDF5_PROBE_DONE;
  if (info.nlinks > CHDF5_PROBE_MAX_CHILDREN) return CHDF5_PROBE_TOO_BIG;
  for (hsize_t index = 0; index < info.nlinks; index++) {
    if (++*visited > CHDF5_PROBE_MAX_OBJECTS) return CHDF5_PROBE_TOO_BIG;
    ssize_t length =
        H5Lget_name_by_idx(group, ".", H5_INDEX_NAME, H5_ITER_INC, index, NULL, 0, H5P_DEFAULT);
    if (length < 0 || length >= 65536) continue;
    char *name = malloc((size_t)length + 1);
    if (!name) continue;
    if (H5Lget_name_by_idx(group, ".", H5_INDEX_NAME, H5_ITER_INC, index, name,
                           (size_t)length + 1, H5P_DEFAULT) >= 0
        && chdf5_is_hard_link(group, name) == 1) {
      int kind = chdf5_object_kind(group, name);
      if (kind == 0 && depth < CHDF5_PROBE_MAX_DEPTH) {
        hid_t child = H5Gopen2(group, name, H5P_DEFAULT);
        if (child >= 0) {
          result = chdf5_probe_group(child, depth + 1, visited);
          H5Gclose(child);
        }
      } else if (kind == 1) {
        hid_t dataset = H5Dopen2(group, name, H5P_DEFAULT);
        if (dataset >= 0) {
          result = chdf5_probe_attributes(dataset);
          if (result == CHDF5_PROBE_DONE) result = chdf5_probe_dataset(dataset);
          H5Dclose(dataset);
        }
      }
    }
    free(name);
    if (result != CHDF5_PROBE_DONE) return result;
  }
  return CHDF5_PROBE_DONE;
}

/// Opens the file image as HDF5.readImage does and probes everything in it.
static inline int chdf5_probe(const void *image, size_t size) {
  H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
  hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
  if (fapl < 0) return CHDF5_PROBE_DONE;
  int result = CHDF5_PROBE_DONE;
  if (H5Pset_fapl_core(fapl, 1 << 16, 0) >= 0
      && H5Pset_file_image(fapl, (void *)image, size) >= 0) {
    hid_t file = H5Fopen("layerlab-probe", H5F_ACC_RDONLY, fapl);
    if (file >= 0) {
      hid_t root = H5Gopen2(file, "/", H5P_DEFAULT);
      if (root >= 0) {
        long visited = 0;
        result = chdf5_probe_group(root, 0, &visited);
        H5Gclose(root);
      }
      H5Fclose(file);
    }
  }
  H5Pclose(fapl);
  return result;
}

#ifdef __linux__
extern int pipe2(int fds[2], int flags);
#endif

/// A pipe whose ends close on exec, made in one step on Linux so a process
/// another thread starts meanwhile cannot inherit it (and hold it open).
static inline int chdf5_cloexec_pipe(int fds[2]) {
#ifdef __linux__
  return pipe2(fds, O_CLOEXEC);
#else
  if (pipe(fds) != 0) return -1;
  fcntl(fds[0], F_SETFD, FD_CLOEXEC);
  fcntl(fds[1], F_SETFD, FD_CLOEXEC);
  return 0;
#endif
}

/// The child's whole life after fork(): quiet (default crash handlers, so
/// no Swift backtrace; output to /dev/null), optionally stalled (a test of
/// the parent's time limit), the probe, its result as one byte on `report`,
/// and _exit. Never returns.
static inline void chdf5_probe_child(const void *image, size_t size, int report, int ignored,
                                     unsigned stall_seconds) {
  int crashes[] = {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGTRAP};
  for (unsigned i = 0; i < sizeof crashes / sizeof crashes[0]; i++) signal(crashes[i], SIG_DFL);
  signal(SIGPIPE, SIG_DFL);
  close(ignored);
  int null = open("/dev/null", O_WRONLY);
  if (null >= 0) {
    dup2(null, 1);
    dup2(null, 2);
  }
  while (stall_seconds > 0) stall_seconds = sleep(stall_seconds);
  unsigned char result = (unsigned char)chdf5_probe(image, size);
  ssize_t written = write(report, &result, 1);
  _exit(written == 1 ? 0 : 1);
}
