/*
 * Names across the shim, as they cross WinFsp: Windows names are UTF-16, and WinFsp converts
 * them to and from the UTF-8 a FUSE file system sees (src/dll/fuse/fuse_intf.c, src/shared/ku/posix.c):
 *
 *  - to the file system: WideCharToMultiByte(CP_UTF8), then each U+F0xx whose xx is a character
 *    Windows forbids in names (1 to 31 and < > : " \ | ? *) becomes that character, and the
 *    separator \ becomes / (FspPosixMapWindowsToPosixPath);
 *  - from the file system (readdir names, symlink targets): MultiByteToWideChar(CP_UTF8, 0), which
 *    replaces bytes that are not UTF-8 with U+FFFD, then each forbidden character c becomes
 *    U+F000 + c (FspPosixMapPosixToWindowsPath, FspPosixDecodeWindowsPath); a name longer than
 *    255 UTF-16 units is left out of a listing.
 *
 * The Linux side of the shim stands for the Windows side: its names are the Windows names,
 * written in UTF-8. Win32's own rules above WinFsp (trimming a trailing dot or space, refusing
 * forbidden characters typed raw) are not applied: WinFsp passes such names on when a program
 * reaches it without Win32's normalization (\\?\ paths), as the parity runs do.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "winfsp_shim.h"

SHIM_INTERNAL int shim_posix_path(const char *linux_path, char **out);
SHIM_INTERNAL char *shim_windows_text(const char *posix, int max_units);

/* FspPosixInvalidPathChars: 1 to 31 and < > : " \ | ? *. */
static int forbidden(uint32_t c)
{
	return (c >= 1 && c < 32) || (c < 128 && c != 0 && strchr("<>:\"\\|?*", (int) c) != NULL);
}

/* One code point of valid UTF-8 at s (NUL-terminated), its length in *len; -1 when not UTF-8. */
static int32_t decode(const unsigned char *s, int *len)
{
	uint32_t c = s[0];
	int n;
	uint32_t min;
	if (c < 0x80) {
		*len = 1;
		return (int32_t) c;
	}
	if ((c & 0xE0) == 0xC0) { n = 2; c &= 0x1F; min = 0x80; }
	else if ((c & 0xF0) == 0xE0) { n = 3; c &= 0x0F; min = 0x800; }
	else if ((c & 0xF8) == 0xF0) { n = 4; c &= 0x07; min = 0x10000; }
	else return -1;
	for (int i = 1; i < n; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return -1;
		c = (c << 6) | (s[i] & 0x3F);
	}
	if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
		return -1;
	*len = n;
	return (int32_t) c;
}

static char *put(char *o, uint32_t c)
{
	if (c < 0x80) {
		*o++ = (char) c;
	} else if (c < 0x800) {
		*o++ = (char) (0xC0 | (c >> 6));
		*o++ = (char) (0x80 | (c & 0x3F));
	} else if (c < 0x10000) {
		*o++ = (char) (0xE0 | (c >> 12));
		*o++ = (char) (0x80 | ((c >> 6) & 0x3F));
		*o++ = (char) (0x80 | (c & 0x3F));
	} else {
		*o++ = (char) (0xF0 | (c >> 18));
		*o++ = (char) (0x80 | ((c >> 12) & 0x3F));
		*o++ = (char) (0x80 | ((c >> 6) & 0x3F));
		*o++ = (char) (0x80 | (c & 0x3F));
	}
	return o;
}

/*
 * The path WinFsp hands the file system for the Windows path linux_path (a NULL path stays NULL):
 * -EINVAL when it is not UTF-8, which no UTF-16 Windows name converts to.
 */
int shim_posix_path(const char *linux_path, char **out)
{
	*out = NULL;
	if (!linux_path)
		return 0;
	const unsigned char *p = (const unsigned char *) linux_path;
	char *o = malloc(strlen(linux_path) + 1);
	char *start = o;
	while (*p) {
		int len;
		int32_t c = decode(p, &len);
		if (c < 0) {
			free(start);
			return -EINVAL;
		}
		if (c >= 0xF000 && c <= 0xF0FF && forbidden((uint32_t) c & 0xFF))
			*o++ = (char) (c & 0xFF);
		else if (c == '\\')
			*o++ = '/';
		else
			o = put(o, (uint32_t) c);
		p += len;
	}
	*o = 0;
	*out = start;
	return 0;
}

/*
 * What Windows shows for a name or symlink target the file system gave (its '/' kept for a
 * target, which the Linux side needs as a separator): bytes that are not UTF-8 become U+FFFD,
 * forbidden characters U+F0xx. NULL when it is longer than max_units UTF-16 units (0: no limit).
 */
char *shim_windows_text(const char *posix, int max_units)
{
	const unsigned char *p = (const unsigned char *) posix;
	char *o = malloc(4 * strlen(posix) + 1);
	char *start = o;
	int units = 0;
	while (*p) {
		int len;
		int32_t c = decode(p, &len);
		if (c < 0) {
			c = 0xFFFD;
			len = 1;
		}
		if (c != '/' && forbidden((uint32_t) c))
			c |= 0xF000;
		units += c >= 0x10000 ? 2 : 1;
		o = put(o, (uint32_t) c);
		p += len;
	}
	*o = 0;
	if (max_units > 0 && units > max_units) {
		free(start);
		return NULL;
	}
	return start;
}
