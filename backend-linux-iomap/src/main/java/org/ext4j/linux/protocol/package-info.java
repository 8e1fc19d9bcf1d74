/**
 * The FUSE kernel protocol as bytes: the request header and one record per wire struct (each
 * annotated with the protocol minor that added or changed it), the sparse opcode table, the INIT
 * flag bits, and precise decode errors. Knows nothing of ext4 or of the filesystem SPI, and nothing
 * of where the bytes come from (a device fd or a test).
 *
 * <p>Facts come from the kernel's uapi header {@code linux/fuse.h}, up to minor
 * {@link org.ext4j.linux.protocol.Wire#MAX_MINOR} and the iomap series; each record names the
 * minor that added it. FUSE structs are in host byte order; everything here uses
 * {@link java.nio.ByteOrder#nativeOrder()}.
 */
package org.ext4j.linux.protocol;
