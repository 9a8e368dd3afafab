#ifndef VISION_MPI_H
#define VISION_MPI_H

// Open MPI, loaded at run time (dlopen of libmpi.so.40) by the processes of a launched job
// only: a single process never maps Open MPI and the ten libraries it brings (about 1 MB of a
// cold `vision infer`). The functions mirror MPI's; the handles are Open MPI's pointers under
// opaque types, so that this header needs no <mpi.h>.
#include <stddef.h>

typedef struct vision_mpi_comm_s *vision_mpi_comm;
typedef struct vision_mpi_datatype_s *vision_mpi_datatype;
typedef struct vision_mpi_op_s *vision_mpi_op;
typedef struct vision_mpi_request_s *vision_mpi_request;
typedef struct vision_mpi_errhandler_s *vision_mpi_errhandler;
typedef struct vision_mpi_info_s *vision_mpi_info;
typedef struct vision_mpi_status_s vision_mpi_status;

/// Loads the library and resolves everything below: 0, or -1 with the reason in `message`.
int vision_mpi_load(char *message, size_t size);

int vision_MPI_Init_thread(int *argc, char ***argv, int required, int *provided);
int vision_MPI_Finalized(int *flag);
int vision_MPI_Finalize(void);
int vision_MPI_Abort(vision_mpi_comm comm, int code);
int vision_MPI_Error_string(int code, char *text, int *length);
int vision_MPI_Comm_set_errhandler(vision_mpi_comm comm, vision_mpi_errhandler handler);
int vision_MPI_Comm_rank(vision_mpi_comm comm, int *rank);
int vision_MPI_Comm_size(vision_mpi_comm comm, int *size);
int vision_MPI_Comm_split_type(vision_mpi_comm comm, int type, int key, vision_mpi_info info, vision_mpi_comm *out);
int vision_MPI_Comm_free(vision_mpi_comm *comm);
int vision_MPI_Barrier(vision_mpi_comm comm);
int vision_MPI_Bcast(void *buffer, int count, vision_mpi_datatype type, int root, vision_mpi_comm comm);
int vision_MPI_Allreduce(const void *send, void *receive, int count, vision_mpi_datatype type, vision_mpi_op op, vision_mpi_comm comm);
int vision_MPI_Iallreduce(
    const void *send, void *receive, int count, vision_mpi_datatype type, vision_mpi_op op, vision_mpi_comm comm,
    vision_mpi_request *request);
int vision_MPI_Allgather(
    const void *send, int sendCount, vision_mpi_datatype sendType, void *receive, int receiveCount,
    vision_mpi_datatype receiveType, vision_mpi_comm comm);
int vision_MPI_Allgatherv(
    const void *send, int sendCount, vision_mpi_datatype sendType, void *receive, const int *receiveCounts,
    const int *offsets, vision_mpi_datatype receiveType, vision_mpi_comm comm);
int vision_MPI_Test(vision_mpi_request *request, int *flag, vision_mpi_status *status);
int vision_MPI_Wait(vision_mpi_request *request, vision_mpi_status *status);

// MPI's predefined handles and constants.
vision_mpi_comm vision_mpi_comm_world(void);
vision_mpi_datatype vision_mpi_float(void);
vision_mpi_datatype vision_mpi_double(void);
vision_mpi_datatype vision_mpi_byte(void);
vision_mpi_datatype vision_mpi_long_long(void);
vision_mpi_op vision_mpi_sum(void);
vision_mpi_op vision_mpi_max(void);
vision_mpi_request vision_mpi_request_null(void);
vision_mpi_errhandler vision_mpi_errors_return(void);
vision_mpi_info vision_mpi_info_null(void);
void *vision_mpi_in_place(void);
vision_mpi_status *vision_mpi_status_ignore(void);
int vision_mpi_thread_funneled(void);
int vision_mpi_success(void);
int vision_mpi_comm_type_shared(void);
int vision_mpi_max_error_string(void);

#endif
