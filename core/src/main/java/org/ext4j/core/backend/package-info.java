/**
 * The backend SPI: how the {@code ext4j} command finds the ways this build can mount
 * ({@link org.ext4j.core.backend.Backend}, discovered with {@link java.util.ServiceLoader} and
 * chosen by {@link org.ext4j.core.backend.Backends}), asks whether one works here
 * ({@link org.ext4j.core.backend.Availability}), and mounts a {@link org.ext4j.core.backend.Volume}
 * with options in one vocabulary ({@link org.ext4j.core.backend.MountOptions},
 * {@link org.ext4j.core.backend.MountOptionParser}), getting back a
 * {@link org.ext4j.core.backend.MountHandle}. A backend module adds a class implementing
 * {@code Backend} and one line in {@code META-INF/services/org.ext4j.core.backend.Backend};
 * nothing in the command names it.
 *
 * {@link org.ext4j.core.backend.OwnerOverride} is the one file system wrapper here: the {@code uid=}
 * and {@code gid=} options, over any SPI file system.
 *
 * <p>May import: {@code fs} (the open options and atime mode a mount asks for), {@code view}
 * (the errors= behaviour), {@code host}, {@code spi}, and whatever else lies below {@code fs}.
 */
package org.ext4j.core.backend;
