// Each subcommand is one function with the usual argc/argv (argv[0] is the subcommand
// name). It returns the process exit code; it may throw tessera::Error for bad input.
#pragma once

namespace tessera::cli {

int cmd_gemm(int argc, char** argv);
int cmd_run(int argc, char** argv);
int cmd_trace(int argc, char** argv);
int cmd_tco(int argc, char** argv);
int cmd_sweep(int argc, char** argv);
int cmd_collective(int argc, char** argv);
int cmd_size(int argc, char** argv);
int cmd_serve(int argc, char** argv);
int cmd_compare(int argc, char** argv);
int cmd_validate(int argc, char** argv);
/// Hidden: regenerates the key tables of docs/chip-config.md.
int cmd_chip_config_doc(int argc, char** argv);

}  // namespace tessera::cli
