/* helper-test as a plugin built before ABI 1.3 would behave: without
 * bind_ports, so hostprivd serves a range with its bind_port, port by
 * port (test_hostprivd.c, range_older_plugin). */
#define HT_NO_BIND_PORTS 1
#include "helper_test.c"
