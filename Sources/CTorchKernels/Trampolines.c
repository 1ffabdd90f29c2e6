// Calls into libraries opened at run time whose signatures Swift cannot express.
#include <string.h>

#include "CTorchKernels.h"

/// NCCL's opaque unique id, 128 bytes passed by value.
typedef struct {
  char internal[128];
} NCCLUniqueId;

int ctk_nccl_comm_init_rank(const void *function, void **comm, int nranks, const void *uniqueId, int rank) {
  NCCLUniqueId id;
  memcpy(&id, uniqueId, sizeof id);
  int (*initRank)(void **, int, NCCLUniqueId, int) = (int (*)(void **, int, NCCLUniqueId, int))function;
  return initRank(comm, nranks, id, rank);
}
