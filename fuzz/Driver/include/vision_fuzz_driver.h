// libFuzzer's entry for programs that own main() (LLVM 12+). Only declared here: it is linked
// in the fuzzing build (fuzz/run.sh, -sanitize=fuzzer), and referenced only there.
#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));
