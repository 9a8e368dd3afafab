// Resolves Open MPI's functions and predefined handles with dlsym. <mpi.h> gives their exact
// types (through __typeof__, which references no symbol) and the plain constants; nothing
// here links against libmpi.
#include "vision_mpi.h"

#include <dlfcn.h>
#include <mpi.h>
#include <stdio.h>

#define VISION_MPI_FUNCTIONS(X)                                                                          \
    X(MPI_Init_thread) X(MPI_Finalized) X(MPI_Finalize) X(MPI_Abort) X(MPI_Error_string)                 \
    X(MPI_Comm_set_errhandler) X(MPI_Comm_rank) X(MPI_Comm_size) X(MPI_Comm_split_type) X(MPI_Comm_free) \
    X(MPI_Barrier) X(MPI_Bcast) X(MPI_Allreduce) X(MPI_Iallreduce) X(MPI_Allgather) X(MPI_Allgatherv)     \
    X(MPI_Test) X(MPI_Wait)

// Open MPI's handles are addresses of these globals (OMPI_PREDEFINED_GLOBAL in <mpi.h>).
#define VISION_MPI_HANDLES(X)                                                                  \
    X(comm_world, ompi_mpi_comm_world) X(type_float, ompi_mpi_float) X(type_double, ompi_mpi_double) \
    X(type_byte, ompi_mpi_byte) X(type_long_long, ompi_mpi_long_long_int) X(op_sum, ompi_mpi_op_sum)   \
    X(op_max, ompi_mpi_op_max) X(request_null, ompi_request_null)                                    \
    X(errors_return, ompi_mpi_errors_return) X(info_null, ompi_mpi_info_null)

static struct {
#define VISION_FUNCTION_FIELD(name) __typeof__(&name) name;
    VISION_MPI_FUNCTIONS(VISION_FUNCTION_FIELD)
#define VISION_HANDLE_FIELD(field, symbol) void *field;
    VISION_MPI_HANDLES(VISION_HANDLE_FIELD)
} mpi;

int vision_mpi_load(char *message, size_t size) {
    static const char *library = "libmpi.so.40";
    if (mpi.MPI_Init_thread) return 0;
    // Global: Open MPI's own components, which it opens later, look its symbols up.
    void *handle = dlopen(library, RTLD_NOW | RTLD_GLOBAL);
    if (!handle) {
        snprintf(message, size, "cannot load Open MPI (%s): %s", library, dlerror());
        return -1;
    }
#define VISION_RESOLVE(field, symbol)                                                               \
    if (!(mpi.field = (__typeof__(mpi.field))dlsym(handle, #symbol))) {                             \
        snprintf(message, size, "%s has no symbol %s: an Open MPI 4 library is needed", library, #symbol); \
        return -1;                                                                                  \
    }
#define VISION_RESOLVE_FUNCTION(name) VISION_RESOLVE(name, name)
    VISION_MPI_HANDLES(VISION_RESOLVE)
    VISION_MPI_FUNCTIONS(VISION_RESOLVE_FUNCTION)
    return 0;
}

int vision_MPI_Init_thread(int *argc, char ***argv, int required, int *provided) {
    return mpi.MPI_Init_thread(argc, argv, required, provided);
}
int vision_MPI_Finalized(int *flag) { return mpi.MPI_Finalized(flag); }
int vision_MPI_Finalize(void) { return mpi.MPI_Finalize(); }
int vision_MPI_Abort(vision_mpi_comm comm, int code) { return mpi.MPI_Abort((MPI_Comm)comm, code); }
int vision_MPI_Error_string(int code, char *text, int *length) { return mpi.MPI_Error_string(code, text, length); }
int vision_MPI_Comm_set_errhandler(vision_mpi_comm comm, vision_mpi_errhandler handler) {
    return mpi.MPI_Comm_set_errhandler((MPI_Comm)comm, (MPI_Errhandler)handler);
}
int vision_MPI_Comm_rank(vision_mpi_comm comm, int *rank) { return mpi.MPI_Comm_rank((MPI_Comm)comm, rank); }
int vision_MPI_Comm_size(vision_mpi_comm comm, int *size) { return mpi.MPI_Comm_size((MPI_Comm)comm, size); }
int vision_MPI_Comm_split_type(vision_mpi_comm comm, int type, int key, vision_mpi_info info, vision_mpi_comm *out) {
    return mpi.MPI_Comm_split_type((MPI_Comm)comm, type, key, (MPI_Info)info, (MPI_Comm *)out);
}
int vision_MPI_Comm_free(vision_mpi_comm *comm) { return mpi.MPI_Comm_free((MPI_Comm *)comm); }
int vision_MPI_Barrier(vision_mpi_comm comm) { return mpi.MPI_Barrier((MPI_Comm)comm); }
int vision_MPI_Bcast(void *buffer, int count, vision_mpi_datatype type, int root, vision_mpi_comm comm) {
    return mpi.MPI_Bcast(buffer, count, (MPI_Datatype)type, root, (MPI_Comm)comm);
}
int vision_MPI_Allreduce(const void *send, void *receive, int count, vision_mpi_datatype type, vision_mpi_op op, vision_mpi_comm comm) {
    return mpi.MPI_Allreduce(send, receive, count, (MPI_Datatype)type, (MPI_Op)op, (MPI_Comm)comm);
}
int vision_MPI_Iallreduce(
    const void *send, void *receive, int count, vision_mpi_datatype type, vision_mpi_op op, vision_mpi_comm comm,
    vision_mpi_request *request) {
    return mpi.MPI_Iallreduce(send, receive, count, (MPI_Datatype)type, (MPI_Op)op, (MPI_Comm)comm, (MPI_Request *)request);
}
int vision_MPI_Allgather(
    const void *send, int sendCount, vision_mpi_datatype sendType, void *receive, int receiveCount,
    vision_mpi_datatype receiveType, vision_mpi_comm comm) {
    return mpi.MPI_Allgather(send, sendCount, (MPI_Datatype)sendType, receive, receiveCount, (MPI_Datatype)receiveType, (MPI_Comm)comm);
}
int vision_MPI_Allgatherv(
    const void *send, int sendCount, vision_mpi_datatype sendType, void *receive, const int *receiveCounts,
    const int *offsets, vision_mpi_datatype receiveType, vision_mpi_comm comm) {
    return mpi.MPI_Allgatherv(
        send, sendCount, (MPI_Datatype)sendType, receive, receiveCounts, offsets, (MPI_Datatype)receiveType, (MPI_Comm)comm);
}
int vision_MPI_Test(vision_mpi_request *request, int *flag, vision_mpi_status *status) {
    return mpi.MPI_Test((MPI_Request *)request, flag, (MPI_Status *)status);
}
int vision_MPI_Wait(vision_mpi_request *request, vision_mpi_status *status) {
    return mpi.MPI_Wait((MPI_Request *)request, (MPI_Status *)status);
}

vision_mpi_comm vision_mpi_comm_world(void) { return (vision_mpi_comm)mpi.comm_world; }
vision_mpi_datatype vision_mpi_float(void) { return (vision_mpi_datatype)mpi.type_float; }
vision_mpi_datatype vision_mpi_double(void) { return (vision_mpi_datatype)mpi.type_double; }
vision_mpi_datatype vision_mpi_byte(void) { return (vision_mpi_datatype)mpi.type_byte; }
vision_mpi_datatype vision_mpi_long_long(void) { return (vision_mpi_datatype)mpi.type_long_long; }
vision_mpi_op vision_mpi_sum(void) { return (vision_mpi_op)mpi.op_sum; }
vision_mpi_op vision_mpi_max(void) { return (vision_mpi_op)mpi.op_max; }
vision_mpi_request vision_mpi_request_null(void) { return (vision_mpi_request)mpi.request_null; }
vision_mpi_errhandler vision_mpi_errors_return(void) { return (vision_mpi_errhandler)mpi.errors_return; }
vision_mpi_info vision_mpi_info_null(void) { return (vision_mpi_info)mpi.info_null; }
void *vision_mpi_in_place(void) { return MPI_IN_PLACE; }
vision_mpi_status *vision_mpi_status_ignore(void) { return (vision_mpi_status *)MPI_STATUS_IGNORE; }
int vision_mpi_thread_funneled(void) { return MPI_THREAD_FUNNELED; }
int vision_mpi_success(void) { return MPI_SUCCESS; }
int vision_mpi_comm_type_shared(void) { return MPI_COMM_TYPE_SHARED; }
int vision_mpi_max_error_string(void) { return MPI_MAX_ERROR_STRING; }
