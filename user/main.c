// SPDX-License-Identifier: GPL-2.0
#include "sfbctl.h"

int main(int argc, char *argv[])
{
	return sfbctl_main(argc, argv);
}
