// TEMPORARY during bring-up: replaced by the real command.
#include "apps/tessera/commands.h"
#include "models/common/types.h"
namespace tessera::cli {
int cmd_tco(int, char**) { throw Error("'tco' is not built yet"); }
}  // namespace tessera::cli
