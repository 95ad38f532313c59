/* A path only root can create or change (libhostpriv's hp_root_only, the
 * check `hostpriv sudoers` makes too): the sudoers rule names the staged
 * hostpriv by path, so that path must be one no other user can ever
 * recreate, also after the rig was killed and the stage wiped. */
#include "rig.h"
#include "host/rootonly.h"

int hp_rig_root_only(const char *path, char *err, size_t errn)
{
    hp_err e = HP_ERR_INIT;
    if (hp_root_only(path, &e) == HP_OK)
        return 0;
    snprintf(err, errn, "%s", e.msg);
    return -1;
}
