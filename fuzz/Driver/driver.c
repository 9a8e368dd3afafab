// Nothing to compile: this target exists for its header (see include/vision_fuzz_driver.h).
#include "vision_fuzz_driver.h"
