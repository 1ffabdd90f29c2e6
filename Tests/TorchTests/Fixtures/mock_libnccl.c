// A stand-in for NVIDIA's libnccl.so.2, used with the CUDA driver emulator (mock_libcuda.cpp)
// where there is no GPU: "device memory" is host memory, so the collectives run on the CPU.
// One rank works alone; several (under mpirun) reduce through the Open MPI that
// torch.distributed has already loaded with RTLD_GLOBAL, found with dlsym. Every call is
// checked as NCCL checks it (communicator, datatype, op, root, pointers) and, when the
// environment names MOCK_NCCL_LOG, appended to that file, one line per call.
#include <dlfcn.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct { char internal[128]; } ncclUniqueId;
typedef struct { uint64_t magic; int nranks, rank; } Comm;
enum { ncclSuccess = 0, ncclSystemError = 2, ncclInternalError = 3, ncclInvalidArgument = 4, ncclInvalidUsage = 5 };
static const uint64_t commMagic = 0x6d6f636b6e63636cULL;
static const char idMagic[] = "mock-nccl-id";

// MARK: - Open MPI, when the process has it

typedef void *Handle;
static struct {
  int loaded;
  Handle world, inPlace, types[10], ops[4];
  int (*allreduce)(const void *, void *, int, Handle, Handle, Handle);
  int (*bcast)(void *, int, Handle, int, Handle);
  int (*reduce)(const void *, void *, int, Handle, Handle, int, Handle);
  int (*allgather)(const void *, int, Handle, void *, int, Handle, Handle);
  int (*reduceScatterBlock)(const void *, void *, int, Handle, Handle, Handle);
  int (*isend)(const void *, int, Handle, int, int, Handle, Handle *);
  int (*irecv)(void *, int, Handle, int, int, Handle, Handle *);
  int (*waitall)(int, Handle *, void *);
  int (*commSize)(Handle, int *);
} mpi;

static int loadMPI(void) {
  if (mpi.loaded) return mpi.loaded > 0;
  mpi.loaded = -1;
#define FIND(field, name) if (!(*(void **)&mpi.field = dlsym(RTLD_DEFAULT, name))) return 0;
  FIND(world, "ompi_mpi_comm_world") FIND(allreduce, "MPI_Allreduce") FIND(bcast, "MPI_Bcast")
  FIND(reduce, "MPI_Reduce") FIND(allgather, "MPI_Allgather") FIND(reduceScatterBlock, "MPI_Reduce_scatter_block")
  FIND(isend, "MPI_Isend") FIND(irecv, "MPI_Irecv") FIND(waitall, "MPI_Waitall") FIND(commSize, "MPI_Comm_size")
  FIND(types[0], "ompi_mpi_int8_t") FIND(types[1], "ompi_mpi_uint8_t") FIND(types[2], "ompi_mpi_int32_t")
  FIND(types[3], "ompi_mpi_uint32_t") FIND(types[4], "ompi_mpi_int64_t") FIND(types[5], "ompi_mpi_uint64_t")
  FIND(types[7], "ompi_mpi_float") FIND(types[8], "ompi_mpi_double")
  FIND(ops[0], "ompi_mpi_op_sum") FIND(ops[1], "ompi_mpi_op_prod") FIND(ops[2], "ompi_mpi_op_max") FIND(ops[3], "ompi_mpi_op_min")
#undef FIND
  mpi.inPlace = (Handle)1;  // MPI_IN_PLACE in Open MPI
  mpi.loaded = 1;
  return 1;
}

// MARK: - Checks and the call log

static const char *typeNames[10] = {"int8", "uint8", "int32", "uint32", "int64", "uint64", "float16", "float32", "float64", "bfloat16"};
static const size_t typeSizes[10] = {1, 1, 4, 4, 8, 8, 2, 4, 8, 2};
static const char *opNames[5] = {"sum", "prod", "max", "min", "avg"};

__attribute__((format(printf, 2, 3))) static void logCall(const Comm *comm, const char *format, ...) {
  const char *path = getenv("MOCK_NCCL_LOG");
  if (!path) return;
  FILE *file = fopen(path, "a");
  if (!file) return;
  fprintf(file, "rank %d: ", comm ? comm->rank : -1);
  va_list arguments;
  va_start(arguments, format);
  vfprintf(file, format, arguments);
  va_end(arguments);
  fputc('\n', file);
  fclose(file);
}

static int validComm(const Comm *comm) { return comm && comm->magic == commMagic; }
// Types with an MPI twin here (no half types on the CPU).
static int validType(int type) { return type >= 0 && type <= 8 && type != 6; }
static int validOp(int op) { return op >= 0 && op <= 4; }

static int check(const Comm *comm, int type, int op, size_t count, const void *a, const void *b) {
  if (!validComm(comm) || !validType(type) || (op >= 0 && !validOp(op))) return ncclInvalidArgument;
  if (count > 0x7fffffff) return ncclInvalidArgument;
  if (count > 0 && (!a || !b)) return ncclInvalidArgument;
  return ncclSuccess;
}

static int mpiResult(int code) { return code == 0 ? ncclSuccess : ncclSystemError; }

/// ncclAvg: MPI sums, then each value is divided by the rank count (floating types only).
static void divide(void *buffer, size_t count, int type, int nranks) {
  if (type == 7) for (size_t i = 0; i < count; i++) ((float *)buffer)[i] /= nranks;
  if (type == 8) for (size_t i = 0; i < count; i++) ((double *)buffer)[i] /= nranks;
}

// MARK: - The API

int ncclGetVersion(int *version) {
  *version = 22804;
  return ncclSuccess;
}

const char *ncclGetErrorString(int code) {
  switch (code) {
    case ncclSuccess: return "no error";
    case ncclSystemError: return "unhandled system error (mock: no MPI in the process for several ranks)";
    case ncclInvalidArgument: return "invalid argument";
    case ncclInvalidUsage: return "invalid usage";
    default: return "internal error";
  }
}

int ncclGetUniqueId(ncclUniqueId *id) {
  static int counter = 0;
  memset(id, 0, sizeof *id);
  snprintf(id->internal, sizeof id->internal, "%s %d %d", idMagic, (int)getpid(), ++counter);
  logCall(NULL, "ncclGetUniqueId");
  return ncclSuccess;
}

int ncclCommInitRank(Comm **comm, int nranks, ncclUniqueId id, int rank) {
  logCall(NULL, "ncclCommInitRank nranks=%d rank=%d", nranks, rank);
  if (!comm || nranks < 1 || rank < 0 || rank >= nranks) return ncclInvalidArgument;
  if (strncmp(id.internal, idMagic, strlen(idMagic)) != 0) return ncclInvalidArgument;
  if (nranks > 1) {
    int size = 0;
    if (!loadMPI() || mpi.commSize(mpi.world, &size) != 0) return ncclSystemError;
    if (size != nranks) return ncclInvalidUsage;
  }
  Comm *c = malloc(sizeof *c);
  c->magic = commMagic, c->nranks = nranks, c->rank = rank;
  *comm = c;
  return ncclSuccess;
}

int ncclCommDestroy(Comm *comm) {
  if (!validComm(comm)) return ncclInvalidArgument;
  logCall(comm, "ncclCommDestroy");
  comm->magic = 0;
  free(comm);
  return ncclSuccess;
}

int ncclCommGetAsyncError(Comm *comm, int *result) {
  if (!validComm(comm)) return ncclInvalidArgument;
  *result = ncclSuccess;
  return ncclSuccess;
}

int ncclAllReduce(const void *send, void *recv, size_t count, int type, int op, Comm *comm, void *stream) {
  int code = check(comm, type, op, count, send, recv);
  if (code) return code;
  logCall(comm, "ncclAllReduce count=%zu type=%s op=%s", count, typeNames[type], opNames[op]);
  if (send != recv) memcpy(recv, send, count * typeSizes[type]);
  if (comm->nranks > 1) {
    code = mpiResult(mpi.allreduce(mpi.inPlace, recv, (int)count, mpi.types[type], mpi.ops[op == 4 ? 0 : op], mpi.world));
  }
  if (op == 4) divide(recv, count, type, comm->nranks);
  return code;
}

int ncclBroadcast(const void *send, void *recv, size_t count, int type, int root, Comm *comm, void *stream) {
  int code = check(comm, type, -1, count, comm && comm->rank == root ? send : recv, recv);
  if (code || root < 0 || root >= comm->nranks) return code ? code : ncclInvalidArgument;
  logCall(comm, "ncclBroadcast count=%zu type=%s root=%d", count, typeNames[type], root);
  if (comm->rank == root && send != recv) memcpy(recv, send, count * typeSizes[type]);
  return comm->nranks > 1 ? mpiResult(mpi.bcast(recv, (int)count, mpi.types[type], root, mpi.world)) : ncclSuccess;
}

int ncclReduce(const void *send, void *recv, size_t count, int type, int op, int root, Comm *comm, void *stream) {
  int code = check(comm, type, op, count, send, comm && comm->rank == root ? recv : send);
  if (code || root < 0 || root >= comm->nranks) return code ? code : ncclInvalidArgument;
  logCall(comm, "ncclReduce count=%zu type=%s op=%s root=%d", count, typeNames[type], opNames[op], root);
  int isRoot = comm->rank == root;
  if (isRoot && send != recv) memcpy(recv, send, count * typeSizes[type]);
  if (comm->nranks > 1) {
    code = mpiResult(mpi.reduce(isRoot ? mpi.inPlace : send, isRoot ? recv : NULL, (int)count, mpi.types[type],
                                mpi.ops[op == 4 ? 0 : op], root, mpi.world));
  }
  if (isRoot && op == 4) divide(recv, count, type, comm->nranks);
  return code;
}

int ncclAllGather(const void *send, void *recv, size_t count, int type, Comm *comm, void *stream) {
  int code = check(comm, type, -1, count, send, recv);
  if (code) return code;
  logCall(comm, "ncclAllGather count=%zu type=%s", count, typeNames[type]);
  if (comm->nranks == 1) {
    memmove(recv, send, count * typeSizes[type]);
    return ncclSuccess;
  }
  return mpiResult(mpi.allgather(send, (int)count, mpi.types[type], recv, (int)count, mpi.types[type], mpi.world));
}

int ncclReduceScatter(const void *send, void *recv, size_t count, int type, int op, Comm *comm, void *stream) {
  int code = check(comm, type, op, count, send, recv);
  if (code) return code;
  logCall(comm, "ncclReduceScatter count=%zu type=%s op=%s", count, typeNames[type], opNames[op]);
  if (comm->nranks == 1) {
    memmove(recv, send, count * typeSizes[type]);
  } else {
    code = mpiResult(mpi.reduceScatterBlock(send, recv, (int)count, mpi.types[type], mpi.ops[op == 4 ? 0 : op], mpi.world));
  }
  if (op == 4) divide(recv, count, type, comm->nranks);
  return code;
}

// MARK: - Point to point, grouped

enum { MAX_PENDING = 256 };
static int groupDepth = 0, pendingCount = 0;
static Handle pending[MAX_PENDING];

static int flush(void) {
  int code = pendingCount ? mpiResult(mpi.waitall(pendingCount, pending, NULL)) : ncclSuccess;
  pendingCount = 0;
  return code;
}

static int pointToPoint(int isSend, void *buffer, size_t count, int type, int peer, Comm *comm) {
  int code = check(comm, type, -1, count, buffer, buffer);
  if (code) return code;
  if (peer < 0 || peer >= comm->nranks || peer == comm->rank || pendingCount == MAX_PENDING) return ncclInvalidArgument;
  logCall(comm, "%s count=%zu type=%s peer=%d", isSend ? "ncclSend" : "ncclRecv", count, typeNames[type], peer);
  int started = isSend ? mpi.isend(buffer, (int)count, mpi.types[type], peer, 0, mpi.world, &pending[pendingCount])
                       : mpi.irecv(buffer, (int)count, mpi.types[type], peer, 0, mpi.world, &pending[pendingCount]);
  if (started != 0) return ncclSystemError;
  pendingCount++;
  return groupDepth == 0 ? flush() : ncclSuccess;
}

int ncclSend(const void *send, size_t count, int type, int peer, Comm *comm, void *stream) {
  return pointToPoint(1, (void *)send, count, type, peer, comm);
}

int ncclRecv(void *recv, size_t count, int type, int peer, Comm *comm, void *stream) {
  return pointToPoint(0, recv, count, type, peer, comm);
}

int ncclGroupStart(void) {
  groupDepth++;
  return ncclSuccess;
}

int ncclGroupEnd(void) {
  if (groupDepth == 0) return ncclInvalidUsage;
  return --groupDepth == 0 ? flush() : ncclSuccess;
}
