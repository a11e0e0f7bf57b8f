// TEMPORARY during bring-up: replaced by the real command.
#include "apps/tessera/commands.h"
#include "models/common/types.h"
namespace tessera::cli {
int cmd_run(int, char**) { throw Error("'run' is not built yet"); }
}  // namespace tessera::cli
