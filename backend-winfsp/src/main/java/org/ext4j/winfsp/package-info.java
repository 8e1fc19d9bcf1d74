/**
 * The Windows backend. It will own WinFsp's FUSE3 compatibility exports bound through jnr-ffi
 * (WinFsp's own stat layout), DLL discovery, drive-letter mounts and the Windows defaults (uid/gid
 * mapping, case-sensitive volume).
 */
package org.ext4j.winfsp;
