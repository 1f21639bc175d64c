// SPDX-License-Identifier: GPL-2.0
#include "json.h"
#include "sfbctl.h"

int main(int argc, char *argv[])
{
	/* With -j, a failure still writes one JSON document. */
	return sfb_json_finish(sfbctl_main(argc, argv));
}
