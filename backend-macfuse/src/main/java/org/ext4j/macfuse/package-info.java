/**
 * The macOS backend. It will own macFUSE's libfuse3 binding: the Darwin ABI differences (its
 * stat layout in getattr and the readdir filler, the xattr position argument), dylib discovery and
 * the macOS mount options (volname, noappledouble).
 */
package org.ext4j.macfuse;
