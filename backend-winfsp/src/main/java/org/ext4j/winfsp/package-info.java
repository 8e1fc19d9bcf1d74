/**
 * The Windows backend: an ext4j volume behind a drive letter through WinFsp's FUSE3 layer, bound
 * with jnr-ffi on backend-highlevel ({@link org.ext4j.winfsp.WinFspBackend}, registered with the
 * backend SPI as {@link org.ext4j.winfsp.WinFspService}): DLL discovery
 * ({@link org.ext4j.winfsp.WinFspHost}), mount points ({@link org.ext4j.winfsp.MountPoint}) and
 * Windows' defaults ({@link org.ext4j.winfsp.WinFspOptions}).
 */
package org.ext4j.winfsp;
