/**
 * The FUSE kernel protocol as bytes: the request header and one record per wire struct (each
 * annotated with the protocol minor that added or changed it), the sparse opcode table, the INIT
 * flag bits, and precise decode errors. Knows nothing of ext4 or of the filesystem SPI, and nothing
 * of where the bytes come from (a device fd or a test).
 *
 * <p>Facts come from the kernel's uapi header {@code linux/fuse.h} (7.38 on this machine) and
 * {@code shared/design/FUSE-PROTOCOL.md} for 7.39..7.45 and the iomap series. FUSE structs are in
 * host byte order; everything here uses {@link java.nio.ByteOrder#nativeOrder()}.
 */
package org.ext4j.linux.protocol;
