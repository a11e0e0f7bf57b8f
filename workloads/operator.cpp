// TEMPORARY during bring-up.
#include "workloads/operator.h"
