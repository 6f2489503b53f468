/*
 * version.c — the version of this build, made by the Makefile into
 * build/version.h: the release number and, in a git checkout, the commit.
 */
#include "base/base.h"
#include "version.h"

const char *
rd_version(void)
{
	return RD_VERSION;
}
