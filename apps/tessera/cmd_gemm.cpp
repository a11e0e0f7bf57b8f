// TEMPORARY during bring-up: replaced by the real command.
#include "apps/tessera/commands.h"
#include "models/common/types.h"
namespace tessera::cli {
int cmd_gemm(int, char**) { throw Error("'gemm' is not built yet"); }
}  // namespace tessera::cli
