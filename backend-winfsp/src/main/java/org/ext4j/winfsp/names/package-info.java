/**
 * How names from Windows map to ext4's bytes: file names and symlink targets
 * ({@link org.ext4j.winfsp.names.WindowsNames}, applied to a volume by
 * {@link org.ext4j.winfsp.names.WindowsNamedVolume}) and extended attribute names
 * ({@link org.ext4j.winfsp.names.WindowsEaNames}).
 */
package org.ext4j.winfsp.names;
