#ifndef VISION_CMPI_SHIM_H
#define VISION_CMPI_SHIM_H

// Open MPI's C API (Debian libopenmpi-dev). Its handles (MPI_COMM_WORLD, MPI_FLOAT, MPI_SUM,
// MPI_IN_PLACE) are macros over addresses of globals, which Swift cannot import: the inline
// functions below hand them over.
#include <mpi.h>

static inline MPI_Comm vision_mpi_comm_world(void) { return MPI_COMM_WORLD; }
static inline MPI_Datatype vision_mpi_float(void) { return MPI_FLOAT; }
static inline MPI_Datatype vision_mpi_double(void) { return MPI_DOUBLE; }
static inline MPI_Datatype vision_mpi_byte(void) { return MPI_BYTE; }
static inline MPI_Datatype vision_mpi_long_long(void) { return MPI_LONG_LONG; }
static inline MPI_Op vision_mpi_sum(void) { return MPI_SUM; }
static inline MPI_Op vision_mpi_max(void) { return MPI_MAX; }
static inline void *vision_mpi_in_place(void) { return MPI_IN_PLACE; }
static inline MPI_Request vision_mpi_request_null(void) { return MPI_REQUEST_NULL; }
static inline MPI_Status *vision_mpi_status_ignore(void) { return MPI_STATUS_IGNORE; }
static inline MPI_Status *vision_mpi_statuses_ignore(void) { return MPI_STATUSES_IGNORE; }
static inline int vision_mpi_thread_funneled(void) { return MPI_THREAD_FUNNELED; }
static inline int vision_mpi_success(void) { return MPI_SUCCESS; }
static inline MPI_Errhandler vision_mpi_errors_return(void) { return MPI_ERRORS_RETURN; }
static inline int vision_mpi_comm_type_shared(void) { return MPI_COMM_TYPE_SHARED; }
static inline MPI_Info vision_mpi_info_null(void) { return MPI_INFO_NULL; }

#endif
