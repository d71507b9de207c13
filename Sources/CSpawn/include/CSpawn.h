#ifndef TRACESH_CSPAWN_H
#define TRACESH_CSPAWN_H
#include <sys/types.h>

/// Placeholder: the process supervision work fills this in.
int tracesh_cspawn_version(void);
#endif
