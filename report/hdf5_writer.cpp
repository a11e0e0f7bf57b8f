// TEMPORARY during bring-up.
