#include "CSpawn.h"
int tracesh_cspawn_version(void) { return 1; }
